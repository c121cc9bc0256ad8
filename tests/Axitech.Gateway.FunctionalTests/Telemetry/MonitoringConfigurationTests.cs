using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>The operator's files in config/prometheus and config/grafana, checked against promtool and a real scrape.</summary>
[Collection(MetricsScrapeIsolation.Name)]
public sealed partial class MonitoringConfigurationTests
{
    private const string PrometheusConfig = "config/prometheus/prometheus.yml";
    private const string AlertRules = "config/prometheus/alerts.yml";
    private const string AlertRuleTests = "config/prometheus/alerts.test.yml";
    private const string Dashboard = "config/grafana/axitech-gateway.json";

    /// <summary>Series Prometheus makes itself for every target; the gateway cannot export them.</summary>
    private static readonly HashSet<string> _prometheusSeries = ["up"];

    /// <summary>Labels Prometheus adds to every scraped series (the target's).</summary>
    private static readonly HashSet<string> _targetLabels = ["job", "instance"];

    [Fact]
    public async Task PromtoolCheckConfig_AcceptsThePrometheusConfiguration()
    {
        var result = await Promtool.RunAsync(null, "check", "config", PrometheusConfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS: 1 rule files found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolCheckRules_AcceptsTheAlertRules()
    {
        var result = await Promtool.RunAsync(null, "check", "rules", "--lint=all", "--lint-fatal", AlertRules);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"SUCCESS: {AlertNames().Count} rules found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromtoolTestRules_EachAlertFiresOnItsScenario_AndNotOnItsLookAlikes()
    {
        var result = await Promtool.RunAsync(null, "test", "rules", AlertRuleTests);
        var tested = File.ReadAllLines(RepositoryRoot.File(AlertRuleTests))
            .Select(line => AlertNameLine().Match(line))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .ToHashSet();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Subset(tested, AlertNames().ToHashSet());
    }

    [Fact]
    public void Dashboard_IsImportable_WithADatasourceVariableAndRouteAndPolicyFilters()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.File(Dashboard)));
        var root = dashboard.RootElement;
        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        var queries = panels.Where(p => p.GetProperty("type").GetString() != "row").ToList();

        Assert.Equal("axitech-gateway", root.GetProperty("uid").GetString());
        Assert.False(root.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "An exported dashboard carries no database id.");
        Assert.Equal("datasource", variables["datasource"].GetProperty("type").GetString());
        Assert.Equal("prometheus", variables["datasource"].GetProperty("query").GetString());
        Assert.Contains("route", variables.Keys);
        Assert.Contains("policy", variables.Keys);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        Assert.All(queries, p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        Assert.All(queries, p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray()));
        Assert.All(
            queries.SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).Where(e => e.Contains("axitech_gateway_webhook", StringComparison.Ordinal)),
            expr => Assert.Contains("route=~\"$route\"", expr, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryQueryInTheDashboardAndTheAlerts_NamesOnlyMetricsAndLabelsTheGatewayExports()
    {
        // Route other queues its deliveries, so the queue's metrics are exported too.
        using var queueDirectory = new TemporaryDirectory("axgw-monitoring-");
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["ReverseProxy:Routes:other:Metadata:WebhookDelivery"] = "Queue";
            c["Webhooks:Queue:Path"] = Path.Combine(queueDirectory.Path, "queue.db");
            c["Webhooks:Queue:PollInterval"] = "00:00:01";
        });
        using (var queued = await gateway.SendAsync(SignedRequest.Create(TestGateway.OtherPath + "/events", secret: TestGateway.OtherSecret)))
        {
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        }

        await gateway.ScrapeUntilAsync(s => s.Sum("axitech_gateway_queue_attempts_total", ("result", "delivered")) >= 1);
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        using (var accepted = await gateway.SendAsync(delivery))
        using (var duplicate = await gateway.SendAsync(delivery))
        using (var rejected = await gateway.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events", secret: "wh_sec_attacker")))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            Assert.True(duplicate.Headers.Contains("X-Axitech-Duplicate"));
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        }

        gateway.Upstream.Respond = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        using (var reset = await gateway.SendNewAsync())
        {
            Assert.Equal(HttpStatusCode.BadGateway, reset.StatusCode);
        }

        // The runtime reports its GC gauges once a collection has happened.
        GC.Collect();
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum("axitech_gateway_upstream_requests_total", ("http_response_status_code", "502")) >= 1
            && s.Names.Contains("axitech_gateway_queue_store_up"));
        var exported = scrape.Names;

        var dashboardQueries = DashboardQueries();
        var alertQueries = AlertExpressions();
        Assert.Equal(AlertNames().Count, alertQueries.Count);
        var named = new Dictionary<string, IReadOnlySet<string>>();
        foreach (var query in dashboardQueries.Concat(alertQueries))
        {
            named[query] = PromQl.MetricNames(query);
        }

        Assert.All(named, query => Assert.True(
            query.Value.All(name => exported.Contains(name) || _prometheusSeries.Contains(name)),
            $"Not exported: {string.Join(", ", query.Value.Where(n => !exported.Contains(n) && !_prometheusSeries.Contains(n)))} in{Environment.NewLine}{query.Key}"));

        var exportedLabels = scrape.Samples.SelectMany(s => s.Labels.Keys).Concat(_targetLabels).ToHashSet();
        Assert.All(named.Keys, query => Assert.True(
            PromQl.LabelNames(query).All(exportedLabels.Contains),
            $"Not exported: label {string.Join(", ", PromQl.LabelNames(query).Where(l => !exportedLabels.Contains(l)))} in{Environment.NewLine}{query}"));

        // What the dashboard has to show, so that an extractor finding nothing cannot pass.
        var onDashboard = dashboardQueries.SelectMany(q => named[q]).ToHashSet();
        Assert.Subset(onDashboard, new HashSet<string>
        {
            "axitech_gateway_webhooks_total",
            "axitech_gateway_webhook_verification_duration_seconds_bucket",
            "axitech_gateway_webhook_body_size_bytes_bucket",
            "axitech_gateway_upstream_requests_total",
            "http_client_request_duration_seconds_bucket",
            "http_server_request_duration_seconds_bucket",
            "kestrel_active_connections",
            "axitech_gateway_queue_deliveries",
            "axitech_gateway_queue_oldest_pending_age_seconds",
            "axitech_gateway_queue_store_up",
            "axitech_gateway_queue_attempts_total",
            "axitech_gateway_queue_delivery_latency_seconds_bucket",
        });
        Assert.Subset(alertQueries.SelectMany(q => named[q]).ToHashSet(), new HashSet<string>
        {
            "axitech_gateway_webhooks_total",
            "axitech_gateway_upstream_requests_total",
            "up",
            "axitech_gateway_queue_deliveries",
            "axitech_gateway_queue_oldest_pending_age_seconds",
            "axitech_gateway_queue_store_up",
        });
    }

    [Fact]
    public void MetricAndLabelNames_AreReadFromPromQl_WithoutFunctionsKeywordsOrVariables()
    {
        var names = PromQl.MetricNames(
            """
            histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route=~"$route", le!="1e3"}[$__rate_interval])))
            / on (job) group_left (policy) sum without (instance) (b_total offset 1d) > 1e-3
            unless c_total[5m:1m]
            """);

        Assert.Equal(new HashSet<string> { "a_bucket", "b_total", "c_total" }, names);
        Assert.Equal(new HashSet<string> { "target_info" }, PromQl.MetricNames("label_values(target_info{job=~\"$job\"}, instance)"));
        Assert.Equal(
            new HashSet<string> { "le", "route", "job", "policy", "instance", "reason" },
            PromQl.LabelNames("""sum by (le, route) (rate(a{route=~"a,b=c", reason!=""}[5m])) / on (job) group_left (policy) sum without (instance) (b)"""));
        Assert.Equal(new HashSet<string> { "job", "instance" }, PromQl.LabelNames("label_values(target_info{job=~\"$job\"}, instance)"));
    }

    private static List<string> AlertNames()
        => [.. File.ReadAllLines(RepositoryRoot.File(AlertRules)).Select(l => AlertDefinition().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];

    /// <summary>The <c>expr</c> of each rule: inline, or a block scalar (<c>|</c>, <c>&gt;</c>) of the lines indented below it.</summary>
    private static List<string> AlertExpressions()
    {
        var lines = File.ReadAllLines(RepositoryRoot.File(AlertRules));
        var expressions = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = ExprKey().Match(lines[i]);
            if (!match.Success)
            {
                continue;
            }

            var value = match.Groups["value"].Value.Trim();
            if (value is not ("|" or "|-" or ">" or ">-"))
            {
                expressions.Add(value.Trim('"', '\''));
                continue;
            }

            var indent = match.Groups["indent"].Value.Length;
            var block = new List<string>();
            while (i + 1 < lines.Length && (lines[i + 1].Trim().Length == 0 || lines[i + 1].Length - lines[i + 1].TrimStart().Length > indent))
            {
                block.Add(lines[++i].Trim());
            }

            expressions.Add(string.Join('\n', block).Trim());
        }

        return expressions;
    }

    /// <summary>Every panel target's <c>expr</c> and every templating query, wherever they sit in the JSON.</summary>
    private static List<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.File(Dashboard)));
        var queries = new List<string>();
        Collect(dashboard.RootElement.GetProperty("panels"), queries);
        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                var query = variable.GetProperty("query");
                queries.Add(query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!);
            }
        }

        return queries;

        static void Collect(JsonElement element, List<string> into)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name == "expr" && property.Value.ValueKind == JsonValueKind.String)
                        {
                            into.Add(property.Value.GetString()!);
                        }
                        else
                        {
                            Collect(property.Value, into);
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item, into);
                    }

                    break;
            }
        }
    }

    [GeneratedRegex(@"^\s*-\s*alert:\s*(\S+)\s*$")]
    private static partial Regex AlertDefinition();

    [GeneratedRegex(@"^\s*alertname:\s*(\S+)\s*$")]
    private static partial Regex AlertNameLine();

    [GeneratedRegex(@"^(?<indent>\s*)expr:\s*(?<value>.*)$")]
    private static partial Regex ExprKey();
}
