using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
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
    /// Prometheus scrape; metrics and logs over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; traces (the
    /// gateway's source, the server span, the forwarded request) only when they can be exported (see
    /// <see cref="OtlpExport"/>). Console logs in JSON get a valid ISO 8601 timestamp.
    /// </summary>
    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration, GatewayListeners listeners)
    {
        services.AddSingleton<GatewayMetrics>();

        // Logging:Console:FormatterOptions applies to every formatter. The trailing space of the default timestamp format
        // separates the timestamp from the level in the simple formatter; in the JSON formatter it would end up inside
        // "Timestamp", a value ISO 8601 parsers (and so log shippers) refuse.
        services.PostConfigure<JsonConsoleFormatterOptions>(options => options.TimestampFormat = options.TimestampFormat?.TrimEnd());

        // Every line has a UTC timestamp from the first one, whatever the files say; a full queue drops records rather
        // than makes a request wait (ConsoleLogWriter counts what stdout could not take).
        services.PostConfigure<SimpleConsoleFormatterOptions>(options =>
        {
            options.TimestampFormat ??= GatewayDefaults.LogTimestampFormat;
            options.UseUtcTimestamp = true;
        });
        services.PostConfigure<JsonConsoleFormatterOptions>(options =>
        {
            options.TimestampFormat ??= GatewayDefaults.LogTimestampFormat.TrimEnd();
            options.UseUtcTimestamp = true;
        });
        // The logger's own queue only waits for formatting (ConsoleLogWriter never blocks on stdout): roomy, and should
        // it ever fill, it drops rather than makes a request wait.
        services.Configure<ConsoleLoggerOptions>(options =>
        {
            options.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
            options.MaxQueueLength = 10_000;
        });

        // What the gateway's traces are made of, for whichever tracer provider there is: the one created below, or
        // one the host adds itself (the tests' in-memory exporter). This overload runs at once against the service
        // collection, so instrumentations that register services may be added here; it creates no tracer provider.
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(GatewayTelemetry.ActivitySourceName)
            .AddAspNetCoreInstrumentation(options => options.Filter = context => !listeners.IsManagement(context) && !listeners.IsProbe(context))
            .AddHttpClientInstrumentation());

        var serviceName = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName;
        var otlp = OtlpExport.From(configuration);
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(GatewayMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter("System.Runtime")
                    .DropRuntimeCountGauges()
                    .DropUnreadPerRequestInstruments()
                    .AddPrometheusExporter();
                if (otlp.Metrics)
                {
                    metrics.AddOtlpExporter(options => OtlpExport.ApplySignalVariables(options, configuration, OtlpExport.MetricsSignal));
                }
            });

        services.RemoveOpenTelemetryErrorTypeMiddleware();

        // Per signal, not UseOtlpExporter: that one always creates a tracer provider, and OTEL_TRACES_EXPORTER=none
        // must leave none.
        if (otlp.Logs)
        {
            builder.WithLogging(logging => logging.AddOtlpExporter(options => OtlpExport.ApplySignalVariables(options, configuration, OtlpExport.LogsSignal)));
        }

        // Spans are recorded only when they can be exported. A tracer provider samples every span of the sources it
        // listens to, and the instrumentations tag and process it, whether or not an exporter takes it: CPU and about
        // 1.7 KiB a request in the load benchmark, for nothing. Without one, ASP.NET Core still creates the server
        // Activity (hosting does whenever logging is on), so logs keep TraceId and SpanId, a sender's traceparent is
        // continued, and the forwarded request still carries a traceparent in that trace (naming HttpClient's own
        // unrecorded activity).
        if (otlp.Traces)
        {
            builder.WithTracing(tracing => tracing.AddOtlpExporter(options => OtlpExport.ApplySignalVariables(options, configuration, OtlpExport.TracesSignal)));
        }

        return services;
    }

    /// <summary>
    /// Drops the three runtime gauges whose names end in <c>.count</c> (<c>dotnet_assembly_count</c>,
    /// <c>dotnet_process_cpu_count</c>, <c>dotnet_timer_count</c>): Prometheus reserves <c>_count</c> for histograms and
    /// summaries, so <c>promtool check metrics</c> refuses a scrape that has them, and none of them helps run a webhook
    /// gateway.
    /// </summary>
    private static MeterProviderBuilder DropRuntimeCountGauges(this MeterProviderBuilder metrics)
        => metrics
            .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.process.cpu.count", MetricStreamConfiguration.Drop)
            .AddView("dotnet.timer.count", MetricStreamConfiguration.Drop);

    /// <summary>
    /// Drops instruments that no dashboard panel, alert or test reads, and that are recorded on the request path, each
    /// recording an OpenTelemetry aggregator lookup: <c>aspnetcore.routing.match_attempts</c> (once a request),
    /// <c>http.client.active_requests</c> (twice a forwarded request), <c>http.client.request.time_in_queue</c>
    /// (whenever a forwarded request waits for a connection), and Kestrel's memory pool's
    /// <c>aspnetcore.memory_pool.rented</c> and <c>aspnetcore.memory_pool.pooled</c>, recorded on every rent and return
    /// of a 4 KiB block: three recordings per 4 KiB a request reads or writes, about 12 µs of a 256 KiB delivery's CPU
    /// in a perf profile of the load benchmark. A dropped instrument is not enabled, so the runtime skips the recording
    /// too. <c>http.server.active_requests</c> stays, so does <c>http.client.open_connections</c>, which the dashboard
    /// shows, and so do the pool's
    /// <c>aspnetcore.memory_pool.allocated</c> and <c>aspnetcore.memory_pool.evicted</c> (recorded when the pool grows
    /// or shrinks, not per request), which show what the pool holds.
    /// </summary>
    private static MeterProviderBuilder DropUnreadPerRequestInstruments(this MeterProviderBuilder metrics)
        => metrics
            .AddView("aspnetcore.routing.match_attempts", MetricStreamConfiguration.Drop)
            .AddView("http.client.active_requests", MetricStreamConfiguration.Drop)
            .AddView("http.client.request.time_in_queue", MetricStreamConfiguration.Drop)
            .AddView("aspnetcore.memory_pool.rented", MetricStreamConfiguration.Drop)
            .AddView("aspnetcore.memory_pool.pooled", MetricStreamConfiguration.Drop);

    /// <summary>
    /// OpenTelemetry's ASP.NET Core instrumentation (before ASP.NET Core 11) adds a middleware around every request that
    /// awaits the whole pipeline to set <c>error.type</c> on 5xx answers: an extra state machine, about 210 bytes a
    /// request, a fifth of the allocation the issue allows the gateway over plain YARP. The gateway sets the same tag
    /// itself where it answers 5xx or sees the forwarder's answer (<see cref="GatewayTelemetry.TagServerError"/>), so
    /// the middleware goes. Found by its type's name (it is internal); should a later version rename it, it stays,
    /// and the tag is still set once (both skip a tag already there). Tested: the registration is gone, and a 502 and a
    /// 503 carry <c>error_type</c>.
    /// </summary>
    internal static void RemoveOpenTelemetryErrorTypeMiddleware(this IServiceCollection services)
    {
        const string ErrorTypeStartupFilter = "OpenTelemetry.Instrumentation.AspNetCore.Implementation.HttpServerErrorTypeStartupFilter";
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IStartupFilter) && services[i].ImplementationType?.FullName == ErrorTypeStartupFilter)
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>The Prometheus scrape endpoint, on the Management listener only.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(ManagementEndpointMetadata.Instance);
        return endpoints;
    }
}
