using System.Diagnostics.Metrics;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.Tests.Pipeline;

public sealed class BodyReaderAndSignatureTests : IDisposable
{
    private static readonly DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(_now);
    private readonly SignatureCheck _check;
    private readonly MetricCollector<double> _verificationDuration;

    public BodyReaderAndSignatureTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _check = new SignatureCheck(_time, new GatewayMetrics(meters, _time));
        _verificationDuration = new MetricCollector<double>(meters, GatewayMetrics.MeterName, GatewayMetrics.VerificationDurationInstrument);
    }

    public void Dispose()
    {
        _verificationDuration.Dispose();
        _services.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(int.MaxValue)]
    public async Task ABodyArrivingInPieces_IsReadWhole_HashedAsItArrives_AndVerifies(int chunk)
    {
        var body = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        using var request = StageTestContext.Create(body, _now, chunk: chunk);

        Assert.Null(await StageTestContext.ScreenAndReadAsync(request));
        var answer = _check.Complete(request);

        Assert.Null(answer);
        Assert.Equal(body, request.Body.ToArray());
        Assert.Single(_verificationDuration.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task TheBuffer_FollowsTheBytesReceived_NotTheBytesDeclared()
    {
        // 10 bytes of a declared 1 MiB arrive, then the sender stops (here: the stream ends).
        using var request = StageTestContext.Create(new byte[10], _now, contentLength: 1024 * 1024);

        await StageTestContext.ScreenAndReadAsync(request);

        Assert.True(request.BodyBuffer!.Length <= 4096, $"A {request.BodyBuffer.Length}-byte buffer for 10 bytes received.");
    }

    [Fact]
    public async Task AStreamingBodyOverTheLimit_IsRefused413_AsSoonAsItPassesIt()
    {
        using var request = StageTestContext.Create(new byte[5000], _now, policy: StageTestContext.Policy(maxBodyBytes: 4999), contentLength: null, chunk: 1000);

        var answer = await StageTestContext.ScreenAndReadAsync(request);

        Assert.Equal(413, answer?.StatusCode);
        Assert.Null(request.BodyBuffer);
    }

    [Theory]
    [InlineData(-301, "stale_timestamp")]
    [InlineData(301, "future_timestamp")]
    public async Task AGoodSignatureOutsideTheTolerance_IsRefused_WithTheHonestReason(int seconds, string reason)
    {
        using var request = StageTestContext.Create(StageTestContext.Json(), _now.AddSeconds(seconds));

        await StageTestContext.ScreenAndReadAsync(request);

        Assert.Equal(reason, _check.Complete(request)?.Reason);
    }

    [Fact]
    public async Task ATamperedBody_IsRefusedAsAnInvalidSignature()
    {
        var signed = StageTestContext.Json();
        var signature = Axitech.Webhooks.AxitechSignature.Sign(StageTestContext.Secret, "POST", StageTestContext.Target, Axitech.Webhooks.WebhookTimestamp.FormatUnixSeconds(_now), signed);
        using var request = StageTestContext.Create(StageTestContext.Json("s2"), _now, signature: signature);

        await StageTestContext.ScreenAndReadAsync(request);

        Assert.Equal("invalid_signature", _check.Complete(request)?.Reason);
    }

    [Fact]
    public async Task OnAContentKeyedPolicy_ABodyThatIsNotJson_IsRefused_AndJsonIsKeyedOnItsContent()
    {
        var policy = StageTestContext.Policy(contentKey: ["event_type", "data.sessionId"]);
        using var notJson = StageTestContext.Create("Z{\"event_type\":\"x\"}"u8.ToArray(), _now, policy);
        using var first = StageTestContext.Create(StageTestContext.Json("same"), _now, policy);
        using var resigned = StageTestContext.Create(StageTestContext.Json("same"), _now.AddSeconds(10), policy);

        foreach (var request in new[] { notJson, first, resigned })
        {
            await StageTestContext.ScreenAndReadAsync(request);
        }

        Assert.Equal("invalid_json", _check.Complete(notJson)?.Reason);
        Assert.Null(_check.Complete(first));
        Assert.Null(_check.Complete(resigned));
        Assert.Equal(first.Key, resigned.Key);
    }
}
