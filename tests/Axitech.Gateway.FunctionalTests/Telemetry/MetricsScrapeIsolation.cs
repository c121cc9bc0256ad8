namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// Tests that read a gateway's <c>/metrics</c> run alone, after the parallel ones. In one process every OpenTelemetry
/// MeterProvider subscribes to every meter of the names it was given, whichever host created it; when another host
/// stops (a gateway or an upstream of a parallel test), its meters' disposal takes the shared metric streams out of
/// the scrape of the gateway under test (https://github.com/open-telemetry/opentelemetry-dotnet/issues/6412). A
/// gateway has one host per process in production, so this is a test-process concern only.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsScrapeIsolation
{
    public const string Name = "Metrics scraped from /metrics";
}
