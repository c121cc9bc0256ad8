namespace Axitech.Gateway.Queue;

/// <summary>
/// Which dead-lettered deliveries <see cref="IDeliveryStore.ReplayDeadAsync"/> makes pending again: all, or those of
/// one route, dead-lettered in a time range, with one reason (<c>status_400</c>, <c>max_age</c>): what one incident
/// dead-lettered.
/// </summary>
internal sealed record DeadReplayFilter
{
    public string? RouteId { get; init; }

    /// <summary>Dead-lettered at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Dead-lettered before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The dead-letter reason, a <see cref="DeliveryErrors"/> code.</summary>
    public string? Error { get; init; }
}
