using Polly.Contrib.WaitAndRetry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// When a failed attempt is tried again, and when a delivery is given up (<c>Webhooks:Queue:Retry</c>). The delay is
/// Polly's exponential backoff with decorrelated jitter (<see cref="Backoff.DecorrelatedJitterBackoffV2"/>: the first
/// delay's median is <see cref="DeliveryRetryOptions.InitialDelay"/>, each later one about twice the one before), capped at
/// <see cref="DeliveryRetryOptions.MaxDelay"/> and never shorter than the upstream's <c>Retry-After</c>. It is returned
/// as a time, which the store keeps as the next attempt's: nothing sleeps in memory, so a restart keeps the schedule.
/// </summary>
internal sealed class DeliveryRetryPolicy
{
    // Beyond this many doublings every delay is MaxDelay anyway (2^32 initial delays is past any useful cap).
    private const int MaxDoublings = 32;

    private readonly DeliveryRetryOptions _options;

    public DeliveryRetryPolicy(DeliveryRetryOptions options) => _options = options;

    /// <summary>The delay after failed attempt <paramref name="attempt"/> (1 for the first), jittered and capped.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        // The generator's n-th value is the delay after the n-th failure; a fresh sequence each time is a fresh draw.
        var delay = Backoff.DecorrelatedJitterBackoffV2(_options.InitialDelay, Math.Clamp(attempt, 1, MaxDoublings)).Last();
        return delay < _options.MaxDelay ? delay : _options.MaxDelay;
    }

    /// <summary>
    /// What to record for attempt <paramref name="attempt"/> of a delivery received at <paramref name="receivedAt"/>:
    /// delivered on 2xx; dead-lettered at once on a status another attempt would not change (<c>status_404</c>) or an
    /// unreadable body (<c>body_unreadable</c>); otherwise tried again, unless that was attempt
    /// <see cref="DeliveryRetryOptions.MaxAttempts"/> (<c>max_attempts</c>) or the next attempt would fall after
    /// <see cref="DeliveryRetryOptions.MaxAge"/> since it was received (<c>max_age</c>). Age and attempts are judged
    /// after an attempt, never before one, so a replayed delivery is always tried at least once.
    /// </summary>
    public Settlement Decide(AttemptResult result, int attempt, DateTimeOffset receivedAt, DateTimeOffset now)
    {
        switch (result.Outcome)
        {
            case AttemptOutcome.Acknowledged:
                return new Settlement(SettlementKind.Delivered, default, result.StatusCode, null);
            case AttemptOutcome.Rejected:
            case AttemptOutcome.BodyUnreadable:
                return new Settlement(SettlementKind.DeadLetter, default, result.StatusCode, result.Error);
            case AttemptOutcome.Retryable:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, "An aborted attempt is not settled.");
        }

        if (attempt >= _options.MaxAttempts)
        {
            return new Settlement(SettlementKind.DeadLetter, default, result.StatusCode, DeliveryErrors.MaxAttempts);
        }

        var delay = DelayAfter(attempt);
        if (result.RetryAfter is { } retryAfter && retryAfter > delay)
        {
            delay = retryAfter;
        }

        var next = now + delay;
        return next - receivedAt > _options.MaxAge
            ? new Settlement(SettlementKind.DeadLetter, default, result.StatusCode, DeliveryErrors.MaxAge)
            : new Settlement(SettlementKind.Retry, next, result.StatusCode, result.Error);
    }
}
