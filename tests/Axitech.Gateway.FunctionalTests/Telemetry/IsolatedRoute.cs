namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// A webhook route of a test's own (policy <c>axitech</c>, to the test gateway's upstream), named uniquely. Counts are
/// read by this route's label, because a gateway's scrape holds what every live gateway in the test process records:
/// the OpenTelemetry SDK subscribes to meters by name, process-wide (see <see cref="MetricsScrapeIsolation"/>).
/// </summary>
internal sealed record IsolatedRoute(string Id)
{
    public static IsolatedRoute Create() => new("t" + Guid.NewGuid().ToString("N")[..12]);

    public string Path => $"/webhooks/{Id}";

    public (string Name, string Value) Label => ("route", Id);

    public string Target(string rest = "events") => $"{Path}/{rest}";

    public void AddTo(Dictionary<string, string?> configuration)
    {
        configuration[$"ReverseProxy:Routes:{Id}:ClusterId"] = "upstream";
        configuration[$"ReverseProxy:Routes:{Id}:Match:Path"] = Path + "/{**rest}";
        configuration[$"ReverseProxy:Routes:{Id}:Metadata:WebhookPolicy"] = "axitech";
    }
}
