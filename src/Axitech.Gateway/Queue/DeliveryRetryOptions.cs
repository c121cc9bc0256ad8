namespace Axitech.Gateway.Queue;

/// <summary><c>Webhooks:Queue:Retry</c>: the backoff between attempts of one delivery and when it is dead-lettered.</summary>
public sealed record DeliveryRetryOptions
{
    /// <summary>The delay before the second attempt, and the first step of a route backing off; later delays grow exponentially. The default is 1 second.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two attempts. The default is 5 minutes.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Failed attempts after which a delivery is dead-lettered. Attempts made while its route backs off from an outage
    /// (probes) are not counted: this is for a delivery that fails while the route delivers others. The default is 25.
    /// </summary>
    public int MaxAttempts { get; init; } = 25;

    /// <summary>Age (since it was received) after which a delivery is dead-lettered instead of tried again. The default is 3 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(3);
}
