namespace Axitech.Gateway.Queue;

/// <summary>
/// One page of deliveries for <see cref="SqlDeliveryStore.BrowseAsync"/> (the console): filtered by route, state, last
/// error and arrival time, in arrival order either way, continuing after a given delivery (keyset paging, so a page
/// costs the same however deep it is).
/// </summary>
internal sealed record DeliveryPageQuery
{
    public string? RouteId { get; init; }

    public DeliveryState? State { get; init; }

    /// <summary>The last error's short code, exactly (<c>status_400</c>, <c>timeout</c>).</summary>
    public string? Error { get; init; }

    /// <summary>Received at or after this time.</summary>
    public DateTimeOffset? ReceivedFrom { get; init; }

    /// <summary>Received before this time.</summary>
    public DateTimeOffset? ReceivedBefore { get; init; }

    /// <summary>Oldest first; the default is newest first.</summary>
    public bool OldestFirst { get; init; }

    /// <summary>With <see cref="AfterId"/>: the last delivery of the previous page; the page starts after it in the chosen order.</summary>
    public DateTimeOffset? AfterReceivedAt { get; init; }

    public Guid? AfterId { get; init; }

    /// <summary>At most this many. The default is 50.</summary>
    public int Limit { get; init; } = 50;
}
