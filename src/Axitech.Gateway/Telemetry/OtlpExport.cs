using System.Globalization;
using OpenTelemetry.Exporter;

namespace Axitech.Gateway.Telemetry;

/// <summary>
/// Which signals go over OTLP, read from the standard OpenTelemetry variables
/// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): metrics and logs when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; traces when it or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> is set,
/// unless <c>OTEL_TRACES_EXPORTER</c> is <c>none</c>.
/// </summary>
internal sealed record OtlpExport(bool Metrics, bool Logs, bool Traces)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesExporterVariable = "OTEL_TRACES_EXPORTER";
    public const string TracesSignal = "TRACES";
    public const string MetricsSignal = "METRICS";
    public const string LogsSignal = "LOGS";

    public static OtlpExport From(IConfiguration configuration)
    {
        var common = !string.IsNullOrWhiteSpace(configuration[EndpointVariable]);
        var tracesEndpoint = !string.IsNullOrWhiteSpace(configuration[SignalVariable(TracesSignal, "ENDPOINT")]);
        var tracesOff = string.Equals(configuration[TracesExporterVariable]?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
        return new OtlpExport(Metrics: common, Logs: common, Traces: (common || tracesEndpoint) && !tracesOff);
    }

    /// <summary>
    /// Applies <c>OTEL_EXPORTER_OTLP_{signal}_ENDPOINT</c>, <c>_HEADERS</c>, <c>_PROTOCOL</c>, <c>_TIMEOUT</c> and
    /// <c>_COMPRESSION</c> over the common variables <paramref name="options"/> were read from. The per-signal
    /// <c>AddOtlpExporter</c> reads only the common ones (its README marks the others "Not supported"), and
    /// <c>UseOtlpExporter</c>, which reads both, always creates a tracer provider. A signal's endpoint is used as it
    /// is, without <c>/v1/{signal}</c> appended, as the specification says. Values OpenTelemetry would not accept are
    /// ignored, as OpenTelemetry ignores them in the common variables.
    /// </summary>
    public static void ApplySignalVariables(OtlpExporterOptions options, IConfiguration configuration, string signal)
    {
        if (Uri.TryCreate(configuration[SignalVariable(signal, "ENDPOINT")]?.Trim(), UriKind.Absolute, out var endpoint))
        {
            options.Endpoint = endpoint;
        }

        if (configuration[SignalVariable(signal, "HEADERS")] is { Length: > 0 } headers)
        {
            options.Headers = headers;
        }

        if (int.TryParse(configuration[SignalVariable(signal, "TIMEOUT")], NumberStyles.None, CultureInfo.InvariantCulture, out var timeout))
        {
            options.TimeoutMilliseconds = timeout;
        }

        switch (configuration[SignalVariable(signal, "PROTOCOL")]?.Trim().ToLowerInvariant())
        {
            case "grpc":
                options.Protocol = OtlpExportProtocol.Grpc;
                break;
            case "http/protobuf":
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                break;
        }

        switch (configuration[SignalVariable(signal, "COMPRESSION")]?.Trim().ToLowerInvariant())
        {
            case "gzip":
                options.Compression = OtlpExportCompression.GZip;
                break;
            case "none":
                options.Compression = OtlpExportCompression.None;
                break;
        }
    }

    private static string SignalVariable(string signal, string setting) => $"OTEL_EXPORTER_OTLP_{signal}_{setting}";
}
