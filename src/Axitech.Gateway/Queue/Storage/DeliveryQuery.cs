namespace Axitech.Gateway.Queue;

/// <summary>Which deliveries <see cref="IDeliveryStore.ListAsync"/> lists: newest first, filtered by route and state.</summary>
internal sealed record DeliveryQuery
{
    public string? RouteId { get; init; }

    public DeliveryState? State { get; init; }

    /// <summary>At most this many. The default is 50.</summary>
    public int Limit { get; init; } = 50;
}
