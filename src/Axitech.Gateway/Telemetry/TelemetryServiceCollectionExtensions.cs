using Axitech.Gateway.Listeners;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Axitech.Gateway.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    public const string DefaultServiceName = "axitech-gateway";
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Metrics (the gateway's meter, ASP.NET Core and Kestrel, HttpClient toward the upstream, the runtime) for the
    /// Prometheus scrape, and traces (the gateway's source, the server span, the forwarded request). OTLP export is
    /// on exactly when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration, GatewayListeners listeners)
    {
        services.AddSingleton<GatewayMetrics>();

        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName;
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("System.Runtime")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !listeners.IsManagement(context))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.UseOtlpExporter();
        }

        return services;
    }

    /// <summary>The Prometheus scrape endpoint, on the Management listener only.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(ManagementEndpointMetadata.Instance);
        return endpoints;
    }
}
