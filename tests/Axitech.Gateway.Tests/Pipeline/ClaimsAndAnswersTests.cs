using System.Diagnostics.Metrics;
using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.Tests.Pipeline;

public sealed class ClaimsAndAnswersTests : IDisposable
{
    private static readonly DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new(_now);
    private readonly FakeLogCollector _logs = new();
    private readonly InMemoryDeduplicationStore _store;
    private readonly DeliveryClaims _claims;
    private readonly SignatureCheck _check;
    private readonly WebhookAnswers _answers;
    private readonly RejectionLog _rejections;
    private readonly MetricCollector<long> _webhooks;

    public ClaimsAndAnswersTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        var metrics = new GatewayMetrics(meters, _time);
        var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(_logs)));
        _store = new InMemoryDeduplicationStore(_time, 1000, NullLogger<InMemoryDeduplicationStore>.Instance);
        _claims = new DeliveryClaims(new DeduplicationService(_store, _time), loggers.CreateLogger<DeliveryClaims>());
        _check = new SignatureCheck(_time, metrics);
        _rejections = new RejectionLog(loggers, _time);
        _answers = new WebhookAnswers(metrics, new FailureThrottle(new FailureThrottlingOptions { PermitLimit = 1 }), _rejections, loggers);
        _webhooks = new MetricCollector<long>(meters, GatewayMetrics.MeterName, GatewayMetrics.WebhooksInstrument);
    }

    public void Dispose()
    {
        _webhooks.Dispose();
        _rejections.Dispose();
        _store.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task ARepeatWhileTheFirstIsInFlight_Is409_AndOnceDelivered_IsAnsweredWithTheUpstreamsStatus()
    {
        var body = StageTestContext.Json();
        using var first = await VerifiedAsync(body);
        using var repeat = await VerifiedAsync(body, first.Signature);

        Assert.Null(await _claims.ClaimAsync(first));
        Assert.Equal(409, (await _claims.ClaimAsync(repeat))?.StatusCode);

        await _claims.SettleAsync(first, acknowledged: true, statusCode: 202);
        using var later = await VerifiedAsync(body, first.Signature);
        var answer = await _claims.ClaimAsync(later);

        Assert.Equal((202, "duplicate", "delivered"), (answer?.StatusCode, answer?.Outcome, answer?.Reason));
    }

    [Fact]
    public async Task AClaimReleasedAfterAFailedForward_LetsTheRetryThrough()
    {
        var body = StageTestContext.Json();
        using var first = await VerifiedAsync(body);
        Assert.Null(await _claims.ClaimAsync(first));

        await _claims.SettleAsync(first, acknowledged: false, statusCode: 502);
        using var retry = await VerifiedAsync(body, first.Signature);

        Assert.Null(await _claims.ClaimAsync(retry));
    }

    [Fact]
    public async Task EveryAnswer_IsCountedOnce_WithItsOutcomeAndReason_AndOnlyFailuresTakeAPermit()
    {
        using var refused = await VerifiedAsync(StageTestContext.Json());
        using var accepted = await VerifiedAsync(StageTestContext.Json("other"));

        _answers.Accepted(accepted, WebhookOutcomes.Accepted);
        await _answers.WriteAsync(refused, Answer.StoreUnavailable);
        await _answers.WriteAsync(refused, Answer.InvalidBody);

        var counted = _webhooks.GetMeasurementSnapshot().Select(m => (m.Tags["outcome"], m.Tags.GetValueOrDefault("reason"))).ToList();
        Assert.Equal([("accepted", null), ("rejected", "store_unavailable"), ("rejected", "invalid_body")], counted);
        Assert.Equal(400, refused.Context.Response.StatusCode);
        Assert.Equal("application/problem+json", refused.Context.Response.ContentType);
    }

    [Fact]
    public async Task TheAuditLine_IsInItsOwnCategory_AtInformation()
    {
        using var accepted = await VerifiedAsync(StageTestContext.Json());

        _answers.Accepted(accepted, WebhookOutcomes.Accepted);

        var record = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 2002);
        Assert.Equal((WebhookAnswers.AuditCategory, LogLevel.Information), (record.Category, record.Level));
    }

    [Fact]
    public void Refusals_AreLoggedOncePerClientRouteAndReason_ThenSummarisedWhenTheWindowEnds()
    {
        var attacker = IPAddress.Parse("192.0.2.7");
        for (var i = 0; i < 500; i++)
        {
            _rejections.Record("claims", "axitech", "invalid_signature", attacker, 10);
        }

        _rejections.Record("claims", "axitech", "stale_timestamp", attacker, 10);
        Assert.Equal(2, _logs.GetSnapshot().Count(r => r.Id.Id == 2001));

        _time.Advance(TimeSpan.FromMinutes(1));

        var summary = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 2008);
        Assert.Contains("499 more webhooks rejected", summary.Message, StringComparison.Ordinal);
        Assert.Contains("192.0.2.7", summary.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_FromMoreClientsThanAreToldApart_AreSummarisedPerReason()
    {
        for (var i = 0; i < RejectionLog.MaxTracked + 250; i++)
        {
            _rejections.Record("claims", "axitech", "invalid_signature", new IPAddress(BitConverter.GetBytes(i + 1)), 10);
        }

        _rejections.Flush();

        Assert.Equal(RejectionLog.MaxTracked, _logs.GetSnapshot().Count(r => r.Id.Id == 2001));
        Assert.Contains("250 more webhooks rejected (invalid_signature)", Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 2009).Message, StringComparison.Ordinal);
    }

    private async Task<WebhookRequest> VerifiedAsync(byte[] body, string? signature = null)
    {
        var request = StageTestContext.Create(body, _now, signature: signature);
        Assert.Null(await StageTestContext.ScreenAndReadAsync(request));
        Assert.Null(_check.Complete(request));
        return request;
    }
}
