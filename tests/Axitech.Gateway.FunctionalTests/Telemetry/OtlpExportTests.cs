using System.Net;
using System.Text;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// OTLP export as a collector sees it: a recording upstream plays an OTLP/HTTP collector (http/protobuf), and the
/// gateway exports to it every 100-200 ms instead of every few seconds.
/// </summary>
public sealed class OtlpExportTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private const string TokenHeader = "x-collector-token";

    [Fact]
    public async Task OtlpEndpoint_SendsTracesMetricsAndLogs_EachSignalWithItsOwnVariablesOverTheCommonOnes()
    {
        await using var collector = await RecordingUpstream.StartAsync();
        var gateway = await StartExportingAsync(collector, c =>
        {
            c["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address;
            c["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            c["OTEL_EXPORTER_OTLP_HEADERS"] = TokenHeader + "=common";
            c["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = TokenHeader + "=traces";
            c["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = collector.Address + "/custom/metrics";
        });
        await using (gateway)
        {
            await SendAcceptedAndRejectedAsync(gateway);
            await WaitUntilAsync(collector, received => received.Any(r => r.RawTarget == "/v1/traces" && Contains(r, GatewayTelemetry.VerifyActivityName))
                && received.Any(r => r.RawTarget == "/custom/metrics" && Contains(r, "axitech.gateway.webhooks"))
                && received.Any(r => r.RawTarget == "/v1/logs"));
        }

        Assert.All(collector.Received, r => Assert.Contains(r.RawTarget, new[] { "/v1/traces", "/custom/metrics", "/v1/logs" }));
        Assert.All(collector.Received, r => Assert.Equal("application/x-protobuf", r.Header("Content-Type")));
        Assert.All(collector.Received, r => Assert.Equal(r.RawTarget == "/v1/traces" ? "traces" : "common", r.Header(TokenHeader)));
    }

    [Fact]
    public async Task TracesExporterNone_SendsMetricsAndLogs_ButNoTraces()
    {
        await using var collector = await RecordingUpstream.StartAsync();
        var gateway = await StartExportingAsync(collector, c =>
        {
            c["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Address;
            c["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            c["OTEL_TRACES_EXPORTER"] = "none";
        });
        await using (gateway)
        {
            await SendAcceptedAndRejectedAsync(gateway);
            await WaitUntilAsync(collector, received => received.Any(r => r.RawTarget == "/v1/metrics") && received.Any(r => r.RawTarget == "/v1/logs"));
        }

        // Stopping the gateway flushed whatever it still held.
        Assert.DoesNotContain(collector.Received, r => r.RawTarget == "/v1/traces");
    }

    [Fact]
    public async Task TracesEndpointAlone_SendsTracesOnly_ToThatUrlAsItIs()
    {
        await using var collector = await RecordingUpstream.StartAsync();
        var gateway = await StartExportingAsync(collector, c =>
        {
            c["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = collector.Address + "/custom/traces";
            c["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] = "http/protobuf";
        });
        await using (gateway)
        {
            await SendAcceptedAndRejectedAsync(gateway);
            await WaitUntilAsync(collector, received => received.Any(r => r.RawTarget == "/custom/traces" && Contains(r, GatewayTelemetry.VerifyActivityName)));
        }

        Assert.All(collector.Received, r => Assert.Equal("/custom/traces", r.RawTarget));
    }

    private static Task<TestGateway> StartExportingAsync(RecordingUpstream collector, Action<Dictionary<string, string?>> configure)
        => TestGateway.StartAsync(c =>
        {
            c["OTEL_BSP_SCHEDULE_DELAY"] = "100";
            c["OTEL_BLRP_SCHEDULE_DELAY"] = "100";
            c["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
            configure(c);
        });

    /// <summary>An accepted delivery (a trace, the gateway's counters) and a forged one (a warning in the log).</summary>
    private static async Task SendAcceptedAndRejectedAsync(TestGateway gateway)
    {
        using var accepted = await gateway.SendNewAsync(Target);
        using var rejected = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_attacker"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    private static Task WaitUntilAsync(RecordingUpstream collector, Func<IReadOnlyCollection<ReceivedRequest>, bool> condition)
        => Eventually.UntilAsync(
            () => condition(collector.Received),
            TimeSpan.FromSeconds(20),
            () => "The collector received: " + string.Join(", ", collector.Received.Select(r => r.RawTarget).Distinct()));

    /// <summary>Whether an export carries <paramref name="name"/>: protobuf writes strings as their UTF-8 bytes.</summary>
    private static bool Contains(ReceivedRequest export, string name)
        => export.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(name)) >= 0;
}
