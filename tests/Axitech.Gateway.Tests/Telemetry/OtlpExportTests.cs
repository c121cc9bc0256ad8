using Axitech.Gateway.Telemetry;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace Axitech.Gateway.Tests.Telemetry;

public sealed class OtlpExportTests
{
    [Theory]
    [InlineData(null, null, null, false, false)]
    [InlineData("http://collector:4317", null, null, true, true)]
    [InlineData("http://collector:4317", null, "otlp", true, true)]
    [InlineData(null, "http://collector:4318/v1/traces", null, false, true)]
    [InlineData("http://collector:4317", null, "none", true, false)]
    [InlineData("http://collector:4317", "http://collector:4318/v1/traces", " None ", true, false)]
    [InlineData(" ", "", null, false, false)]
    public void Traces_AreExportedWhenAnEndpointForThemIsSet_UnlessTheTracesExporterIsNone(
        string? endpoint, string? tracesEndpoint, string? tracesExporter, bool metricsAndLogs, bool traces)
    {
        var export = OtlpExport.From(Build(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
            ["OTEL_TRACES_EXPORTER"] = tracesExporter,
        }));

        Assert.Equal(new OtlpExport(Metrics: metricsAndLogs, Logs: metricsAndLogs, Traces: traces), export);
    }

    [Fact]
    public void ApplySignalVariables_TakesTheSignalsOwnVariables_AndNoOtherSignals()
    {
        var options = CommonOptions();
        var configuration = Build(new()
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://traces:4318/custom/traces",
            ["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = "authorization=traces",
            ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] = "1234",
            ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] = "gzip",
            ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "http://metrics:4318/custom/metrics",
            ["OTEL_EXPORTER_OTLP_METRICS_HEADERS"] = "authorization=metrics",
        });

        OtlpExport.ApplySignalVariables(options, configuration, OtlpExport.TracesSignal);

        Assert.Equal(new Uri("http://traces:4318/custom/traces"), options.Endpoint);
        Assert.Equal("authorization=traces", options.Headers);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, options.Protocol);
        Assert.Equal(1234, options.TimeoutMilliseconds);
        Assert.Equal(OtlpExportCompression.GZip, options.Compression);
    }

    [Fact]
    public void ApplySignalVariables_KeepsTheCommonSettings_WhereTheSignalsAreUnsetOrUnusable()
    {
        var options = CommonOptions();
        var configuration = Build(new()
        {
            ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = "collector without a scheme",
            ["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"] = "http/json",
            ["OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"] = "soon",
            ["OTEL_EXPORTER_OTLP_LOGS_COMPRESSION"] = "zstd",
        });

        OtlpExport.ApplySignalVariables(options, configuration, OtlpExport.LogsSignal);

        Assert.Equal(new Uri("http://common:4317"), options.Endpoint);
        Assert.Equal("authorization=common", options.Headers);
        Assert.Equal(OtlpExportProtocol.Grpc, options.Protocol);
        Assert.Equal(10_000, options.TimeoutMilliseconds);
        Assert.Equal(OtlpExportCompression.None, options.Compression);
    }

    private static OtlpExporterOptions CommonOptions() => new()
    {
        Endpoint = new Uri("http://common:4317"),
        Headers = "authorization=common",
        Protocol = OtlpExportProtocol.Grpc,
        TimeoutMilliseconds = 10_000,
        Compression = OtlpExportCompression.None,
    };

    private static IConfiguration Build(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
