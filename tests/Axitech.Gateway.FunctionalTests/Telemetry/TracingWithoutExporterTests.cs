using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// Spans are recorded only when they can be exported: without an OTLP endpoint for traces the gateway creates no
/// tracer provider, yet the sender's trace still reaches the upstream. None of these tests listens to activities
/// itself: a listener in the test process would be one more tracer, and would change what it measures.
/// </summary>
public sealed class TracingWithoutExporterTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private const string ClosedPort = "http://127.0.0.1:1";

    [Fact]
    public async Task WithoutAnOtlpEndpoint_NoTracerProviderIsCreated_AndTheUpstreamStillJoinsTheSendersTrace()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var sender = UntracedSender.Create(gateway.PublicPort);
        var senderParent = Traceparent.New();
        using var request = SignedRequest.Create(Target).ToHttpRequest(gateway.PublicPort);
        request.Headers.TryAddWithoutValidation("traceparent", senderParent.ToString());

        using var response = await sender.SendAsync(request);
        var upstreamParent = Traceparent.Parse(Assert.Single(gateway.Upstream.Received).Header("traceparent"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(gateway.Services.GetService<TracerProvider>());
        Assert.Equal(senderParent.TraceId, upstreamParent.TraceId);
        Assert.NotEqual(senderParent.ParentId, upstreamParent.ParentId);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    public async Task AnOtlpEndpointForTraces_CreatesATracerProvider(string variable)
    {
        await using var gateway = await TestGateway.StartAsync(c => c[variable] = ClosedPort);

        Assert.NotNull(gateway.Services.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "none")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "NONE")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "None")]
    public async Task TracesExporterNone_CreatesNoTracerProvider_EvenWithAnOtlpEndpoint(string variable, string none)
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c[variable] = ClosedPort;
            c["OTEL_TRACES_EXPORTER"] = none;
        });

        Assert.Null(gateway.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task BlankOtlpEndpoints_CreateNoTracerProvider()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["OTEL_EXPORTER_OTLP_ENDPOINT"] = " ";
            c["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "";
        });

        Assert.Null(gateway.Services.GetService<TracerProvider>());
    }

    /// <summary>
    /// In a process of its own, where no tracer of another test records anything: the upstream's trace is the one the
    /// log events carry (the sender's, when it sent one). Its parent is the HttpClient's activity, created unrecorded
    /// whenever there is a current activity. The sampled flag is the sender's; on a trace the gateway starts it is
    /// off, since nothing records it (with a tracer provider, which samples everything, it would be on).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task InItsOwnProcess_WithoutAnOtlpEndpoint_TheUpstreamJoinsTheTraceTheLogsCarry(bool senderSendsTraceparent)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(
            c => c["Logging:LogLevel:Axitech.Gateway.Audit"] = "Information",
            upstream,
            new Dictionary<string, string?> { ["Logging__Console__FormatterName"] = "json" });
        using var sender = UntracedSender.Create(gateway.PublicPort);
        var senderParent = Traceparent.New();
        using var request = SignedRequest.Create(Target).ToHttpRequest(gateway.PublicPort);
        if (senderSendsTraceparent)
        {
            request.Headers.TryAddWithoutValidation("traceparent", senderParent.ToString());
        }

        using var response = await sender.SendAsync(request);
        var upstreamParent = Traceparent.Parse(Assert.Single(upstream.Received).Header("traceparent"));
        var accepted = await WaitForLogEventAsync(gateway, eventId: 2002);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(upstreamParent.TraceId.ToHexString(), JsonLogEvent.Scope(accepted, "TraceId"));
        Assert.Matches("^[0-9a-f]{16}$", JsonLogEvent.Scope(accepted, "SpanId"));
        if (senderSendsTraceparent)
        {
            Assert.Equal(senderParent.TraceId, upstreamParent.TraceId);
            Assert.True(upstreamParent.Sampled);
        }
        else
        {
            Assert.False(upstreamParent.Sampled);
        }
    }

    private static async Task<JsonElement> WaitForLogEventAsync(GatewayProcess gateway, int eventId)
    {
        var line = await Eventually.UntilAsync(
            () => Task.FromResult(gateway.StandardOutputLines.FirstOrDefault(l => l.Contains($"\"EventId\":{eventId},", StringComparison.Ordinal))),
            line => line is not null,
            TimeSpan.FromSeconds(20),
            _ => $"The gateway process did not log event {eventId}.{Environment.NewLine}{gateway.Output}");
        using var document = JsonDocument.Parse(line!);
        return document.RootElement.Clone();
    }
}
