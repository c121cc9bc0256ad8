using System.Net;
using System.Net.Http.Headers;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

[Collection(MetricsScrapeIsolation.Name)]
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private const string OpenMetrics = "application/openmetrics-text";

    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Metrics_AnswersInPrometheusTextOnManagement_And404OnPublic()
    {
        using var onManagement = await _gateway.Management.GetAsync("/metrics");
        using var onPublic = await _gateway.Client.GetAsync("/metrics");
        using var openMetricsOnPublic = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        openMetricsOnPublic.Headers.Accept.ParseAdd(OpenMetrics + "; version=1.0.0");
        using var askedOnPublic = await _gateway.Client.SendAsync(openMetricsOnPublic);

        Assert.Equal(HttpStatusCode.OK, onManagement.StatusCode);
        Assert.Equal("text/plain", onManagement.Content.Headers.ContentType?.MediaType);
        Assert.Contains(onManagement.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Contains("target_info{service_name=\"axitech-gateway\"", await onManagement.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, askedOnPublic.StatusCode);
        Assert.Empty(await askedOnPublic.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AnswersOpenMetrics_WhenAsked()
    {
        using var delivered = await _gateway.SendNewAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(OpenMetrics) { Parameters = { new NameValueHeaderValue("version", "1.0.0") } });

        using var response = await _gateway.Management.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OpenMetrics, response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
        Assert.Contains("# TYPE axitech_gateway_webhooks counter\n", body, StringComparison.Ordinal);
        Assert.Contains("# UNIT axitech_gateway_webhook_body_size_bytes bytes\n", body, StringComparison.Ordinal);
        Assert.Matches(@"axitech_gateway_webhooks_total\{[^}]*outcome=""accepted""[^}]*\} [1-9]", body);
    }

    [Fact]
    public async Task Metrics_LeaveOutThePerRequestInstrumentsNothingReads()
    {
        string[] dropped =
        [
            "aspnetcore_routing_match_attempts", "http_client_active_requests", "http_client_request_time_in_queue_seconds",
            "aspnetcore_memory_pool_rented", "aspnetcore_memory_pool_pooled",
        ];
        using var delivered = await _gateway.SendNewAsync();
        var scrape = await _gateway.ScrapeUntilAsync(s => s.Sum("http_client_request_duration_seconds_count") >= 1);

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Contains("http_server_active_requests", scrape.Names);
        Assert.Contains("http_client_open_connections", scrape.Names);
        Assert.Contains(scrape.Names, name => name.StartsWith("aspnetcore_memory_pool_allocated", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Names, name => dropped.Any(d => name.StartsWith(d, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PromtoolCheckMetrics_AcceptsARealScrape()
    {
        Promtool.Require();
        using var accepted = await _gateway.SendNewAsync();
        using var rejected = await _gateway.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events", secret: "wh_sec_attacker"));
        var scrape = await _gateway.ScrapeUntilAsync(s => s.Sum("axitech_gateway_upstream_requests_total") >= 1);

        var result = await Promtool.RunAsync(scrape.Text, "check", "metrics");

        Assert.Contains("axitech_gateway_webhooks_total", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("axitech_gateway_webhook_verification_duration_seconds_bucket", scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("error while linting", result.Output + result.Error, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
        Assert.True(string.IsNullOrWhiteSpace(result.Output + result.Error), result.ToString());
    }
}
