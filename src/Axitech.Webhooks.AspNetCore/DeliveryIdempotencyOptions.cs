namespace Axitech.Webhooks.AspNetCore;

/// <summary>How <c>RequireDeliveryIdempotency()</c> keeps delivery ids: <c>Webhooks:Idempotency</c>.</summary>
public sealed record DeliveryIdempotencyOptions
{
    /// <summary>The configuration section these options are bound from: <c>Webhooks:Idempotency</c>.</summary>
    public const string SectionName = "Webhooks:Idempotency";

    /// <summary>
    /// How long the id of a delivery the handler completed with 2xx is kept, so that a repeat is answered without
    /// running the handler. The default is 4 days: longer than the gateway queue's default <c>MaxAge</c> (3 days), so a
    /// delivery cannot outlive its record.
    /// </summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(4);

    /// <summary>
    /// How long a delivery under way keeps its id claimed (repeats answered 409) should its instance never record the
    /// end, as when the process dies mid-handler; afterwards a repeat runs the handler. The default is 2 minutes: longer
    /// than the handler should take, short enough that a crash delays the delivery only that long.
    /// </summary>
    public TimeSpan InFlightTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Prefix of the cache keys, to share one cache with other uses. The default is <c>axitech:delivery:</c>.</summary>
    public string KeyPrefix { get; init; } = "axitech:delivery:";
}
