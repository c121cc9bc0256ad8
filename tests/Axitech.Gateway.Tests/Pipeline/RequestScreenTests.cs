using Axitech.Gateway.Configuration;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Verification;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.Tests.Pipeline;

public sealed class RequestScreenTests
{
    private static readonly DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly RequestScreen _screen = new(new FailureThrottle(new FailureThrottlingOptions { Enabled = false }));

    [Fact]
    public void ASignedPost_PassesAndKeepsTheSignedHeadersAndTheRawTarget()
    {
        using var request = StageTestContext.Create(StageTestContext.Json(), _now);

        Assert.Null(_screen.Check(request));
        Assert.Equal(StageTestContext.Target, request.RawTarget);
        Assert.Equal(64, request.Signature.Length);
        Assert.Equal(Axitech.Webhooks.WebhookTimestamp.FormatUnixSeconds(_now), request.Timestamp);
    }

    [Theory]
    [InlineData("Upgrade", "websocket", "upgrade_not_allowed", 400)]
    [InlineData("x-aw-signature", "", "missing_signature", 401)]
    [InlineData("x-aw-timestamp", "", "missing_timestamp", 401)]
    [InlineData("x-aw-signature", "not-hex", "invalid_signature", 401)]
    public void AHeaderThatCannotBeRight_IsRefusedBeforeTheBody(string header, string value, string reason, int status)
    {
        using var request = StageTestContext.Create(StageTestContext.Json(), _now, edit: r => r.Headers[header] = value);

        var answer = _screen.Check(request);

        Assert.Equal((reason, status), (answer?.Reason, answer?.StatusCode));
    }

    [Theory]
    [InlineData("post")]
    [InlineData("PUT")]
    public void AMethodOtherThanTheUpperCasePost_IsRefused405(string method)
    {
        using var request = StageTestContext.Create(StageTestContext.Json(), _now, method: method);

        Assert.Equal("method_not_allowed", _screen.Check(request)?.Reason);
        Assert.Equal("POST", request.Context.Response.Headers.Allow.ToString());
    }

    [Theory]
    [InlineData("/webhooks/claims/../admin")]
    [InlineData("/webhooks/claims/%2e%2e/admin")]
    [InlineData("/webhooks/claims%2Fadmin")]
    public void ATargetWhoseMeaningDependsOnTheDecoder_IsRefused(string target)
    {
        using var request = StageTestContext.Create(StageTestContext.Json(), _now, target: target);

        Assert.Equal("invalid_target", _screen.Check(request)?.Reason);
    }

    [Fact]
    public void ADeclaredLengthOverTheLimit_IsRefused413_WithoutReading()
    {
        using var request = StageTestContext.Create(new byte[100], _now, policy: StageTestContext.Policy(maxBodyBytes: 99));

        Assert.Equal(413, _screen.Check(request)?.StatusCode);
        Assert.Equal(100, request.BodyLength);
        Assert.Equal(0, request.Context.Request.Body.Position);
    }

    [Fact]
    public void AClientOutOfPermits_IsRefused429_BeforeAnythingElse()
    {
        var throttle = new FailureThrottle(new FailureThrottlingOptions { PermitLimit = 2, Window = TimeSpan.FromMinutes(1) });
        var screen = new RequestScreen(throttle);
        using var request = StageTestContext.Create(StageTestContext.Json(), _now);

        throttle.RecordFailure(request.Client);
        Assert.Null(screen.Check(request));
        throttle.RecordFailure(request.Client);

        var answer = screen.Check(request);
        Assert.Equal((429, "rate_limited", false), (answer?.StatusCode, answer?.Reason, answer?.CountsAsFailure));
        Assert.Equal("60", answer?.RetryAfter);
    }
}
