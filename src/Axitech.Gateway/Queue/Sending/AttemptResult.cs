namespace Axitech.Gateway.Queue;

/// <summary>What one attempt came to (<see cref="DeliverySender.SendAsync"/>).</summary>
/// <param name="Outcome">Acknowledged, retryable, rejected, unreadable or aborted.</param>
/// <param name="StatusCode">The upstream's status code when it answered.</param>
/// <param name="Error">A <see cref="DeliveryErrors"/> code when it did not acknowledge (<c>status_503</c>, <c>timeout</c>, ...).</param>
/// <param name="RetryAfter">How long the upstream asked to wait (<c>Retry-After</c>), when it did.</param>
internal readonly record struct AttemptResult(AttemptOutcome Outcome, int? StatusCode, string? Error, TimeSpan? RetryAfter)
{
    /// <summary>The destination it was sent to (its id in the cluster), when one was picked.</summary>
    public string? Destination { get; init; }

    /// <summary>The destinations the cluster offered (available after health checks) when it was picked.</summary>
    public IReadOnlyCollection<string> Candidates { get; init; } = [];

    public static AttemptResult BodyUnreadable { get; } = new(AttemptOutcome.BodyUnreadable, null, DeliveryErrors.BodyUnreadable, null);

    public static AttemptResult Aborted { get; } = new(AttemptOutcome.Aborted, null, null, null);

    public static AttemptResult Failed(string error) => new(AttemptOutcome.Retryable, null, error, null);

    /// <summary>
    /// The upstream's answer: 2xx acknowledges; 408, 409, 429 and 5xx are worth another attempt (after
    /// <paramref name="retryAfter"/> at least); any other status would be answered again. 409 is what an upstream using
    /// Axitech.Webhooks.AspNetCore's RequireDeliveryIdempotency answers while an earlier attempt of the same delivery
    /// is still being processed there (an attempt cut off by a crash or a timeout): the next attempt gets its outcome.
    /// </summary>
    public static AttemptResult Answered(int statusCode, TimeSpan? retryAfter)
        => statusCode switch
        {
            >= 200 and <= 299 => new(AttemptOutcome.Acknowledged, statusCode, null, null),
            408 or 409 or 429 or >= 500 => new(AttemptOutcome.Retryable, statusCode, DeliveryErrors.Status(statusCode), retryAfter),
            _ => new(AttemptOutcome.Rejected, statusCode, DeliveryErrors.Status(statusCode), null),
        };
}
