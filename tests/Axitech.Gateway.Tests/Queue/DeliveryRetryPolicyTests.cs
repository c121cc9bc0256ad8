using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class DeliveryRetryPolicyTests
{
    private static readonly DateTimeOffset _received = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DeliveryRetryOptions _defaults = new();

    [Theory]
    [InlineData(200, nameof(AttemptOutcome.Acknowledged))]
    [InlineData(202, nameof(AttemptOutcome.Acknowledged))]
    [InlineData(299, nameof(AttemptOutcome.Acknowledged))]
    [InlineData(408, nameof(AttemptOutcome.Retryable))]
    [InlineData(409, nameof(AttemptOutcome.Retryable))]
    [InlineData(429, nameof(AttemptOutcome.Retryable))]
    [InlineData(500, nameof(AttemptOutcome.Retryable))]
    [InlineData(503, nameof(AttemptOutcome.Retryable))]
    [InlineData(599, nameof(AttemptOutcome.Retryable))]
    [InlineData(301, nameof(AttemptOutcome.Rejected))]
    [InlineData(400, nameof(AttemptOutcome.Rejected))]
    [InlineData(401, nameof(AttemptOutcome.Rejected))]
    [InlineData(404, nameof(AttemptOutcome.Rejected))]
    [InlineData(422, nameof(AttemptOutcome.Rejected))]
    public void UpstreamStatus_IsAcknowledgedRetriedOrRejected(int status, string outcome)
    {
        var expected = Enum.Parse<AttemptOutcome>(outcome);
        var result = AttemptResult.Answered(status, null);

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(expected == AttemptOutcome.Acknowledged ? null : $"status_{status}", result.Error);
    }

    [Fact]
    public void Delays_GrowExponentiallyWithJitter_FromAboutTheInitialDelay_ToTheCap()
    {
        var policy = new DeliveryRetryPolicy(_defaults);

        var first = Enumerable.Range(0, 2000).Select(_ => policy.DelayAfter(1)).Order().ToList();
        var fifth = Enumerable.Range(0, 2000).Select(_ => policy.DelayAfter(5)).Order().ToList();
        var late = Enumerable.Range(0, 200).Select(_ => policy.DelayAfter(24)).ToList();

        // Decorrelated jitter: the first delay's median is the initial delay, spread around it.
        Assert.InRange(first[1000], TimeSpan.FromSeconds(0.7), TimeSpan.FromSeconds(1.3));
        Assert.True(first[^1] - first[0] > TimeSpan.FromSeconds(0.5), "No jitter.");
        // Its median is about 8 s (2,000 samples put it between 7.9 and 8.6 s): it grows exponentially, far above the first's.
        Assert.InRange(fifth[1000], TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(40));
        Assert.All(late, d => Assert.Equal(TimeSpan.FromMinutes(5), d));
        Assert.All(first.Concat(fifth), d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromMinutes(5)));
        Assert.Equal(TimeSpan.FromMinutes(5), policy.DelayAfter(int.MaxValue));
    }

    [Fact]
    public void Acknowledged_IsDelivered()
    {
        var settlement = Decide(AttemptResult.Answered(204, null), attempt: 3);

        Assert.Equal(new Settlement(SettlementKind.Delivered, default, 204, null), settlement);
    }

    [Fact]
    public void Rejected_IsDeadLetteredAtOnce_WithItsStatus()
    {
        var settlement = Decide(AttemptResult.Answered(404, null), attempt: 1);

        Assert.Equal(new Settlement(SettlementKind.DeadLetter, default, 404, "status_404"), settlement);
    }

    [Fact]
    public void UnreadableBody_IsDeadLettered()
        => Assert.Equal(new Settlement(SettlementKind.DeadLetter, default, null, "body_unreadable"), Decide(AttemptResult.BodyUnreadable, attempt: 1));

    [Fact]
    public void Retryable_IsScheduledAfterTheBackoff_WithItsError()
    {
        var now = _received.AddMinutes(1);
        var settlement = new DeliveryRetryPolicy(_defaults).Decide(AttemptResult.Failed("connection_refused"), 2, _received, now);

        Assert.Equal(SettlementKind.Retry, settlement.Kind);
        Assert.Equal("connection_refused", settlement.Code);
        Assert.Null(settlement.StatusCode);
        Assert.InRange(settlement.NextAttemptAt, now, now + TimeSpan.FromMinutes(5));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(3600)]
    public void RetryAfter_LongerThanTheBackoff_IsHonouredExactly(int seconds)
    {
        var now = _received.AddSeconds(5);
        var settlement = new DeliveryRetryPolicy(_defaults).Decide(AttemptResult.Answered(429, TimeSpan.FromSeconds(seconds)), 1, _received, now);

        Assert.Equal(new Settlement(SettlementKind.Retry, now.AddSeconds(seconds), 429, "status_429"), settlement);
    }

    [Fact]
    public void RetryAfter_ShorterThanTheBackoff_DoesNotShortenIt()
    {
        var policy = new DeliveryRetryPolicy(_defaults with { InitialDelay = TimeSpan.FromMinutes(1), MaxDelay = TimeSpan.FromMinutes(1) });
        var now = _received.AddSeconds(5);

        var settlement = policy.Decide(AttemptResult.Answered(503, TimeSpan.FromSeconds(1)), 1, _received, now);

        Assert.InRange(settlement.NextAttemptAt, now.AddSeconds(10), now.AddMinutes(1));
    }

    [Fact]
    public void TheLastAllowedAttempt_FailingIsDeadLettered_AsMaxAttempts()
    {
        var policy = new DeliveryRetryPolicy(_defaults with { MaxAttempts = 3 });

        Assert.Equal(SettlementKind.Retry, policy.Decide(AttemptResult.Answered(500, null), 2, _received, _received).Kind);
        Assert.Equal(new Settlement(SettlementKind.DeadLetter, default, 500, "max_attempts"), policy.Decide(AttemptResult.Answered(500, null), 3, _received, _received));
    }

    [Fact]
    public void ANextAttemptPastMaxAge_IsDeadLettered_AsMaxAge()
    {
        var policy = new DeliveryRetryPolicy(_defaults with { InitialDelay = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(5) });

        var young = policy.Decide(AttemptResult.Failed("timeout"), 7, _received, _received + TimeSpan.FromDays(3) - TimeSpan.FromMinutes(6));
        var old = policy.Decide(AttemptResult.Failed("timeout"), 8, _received, _received + TimeSpan.FromDays(3) - TimeSpan.FromMinutes(4));
        var longWait = policy.Decide(AttemptResult.Answered(503, TimeSpan.FromDays(4)), 1, _received, _received);

        Assert.Equal(SettlementKind.Retry, young.Kind);
        Assert.Equal(new Settlement(SettlementKind.DeadLetter, default, null, "max_age"), old);
        Assert.Equal(new Settlement(SettlementKind.DeadLetter, default, 503, "max_age"), longWait);
    }

    [Fact]
    public void AnAbortedAttempt_IsNotSettled()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Decide(AttemptResult.Aborted, 1));

    private static Settlement Decide(AttemptResult result, int attempt) => new DeliveryRetryPolicy(_defaults).Decide(result, attempt, _received, _received.AddSeconds(1));
}
