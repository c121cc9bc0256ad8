namespace Axitech.Gateway.Queue;

/// <summary>
/// Where a delivery stands. A pending delivery is due at its next attempt time; while an attempt runs it is also
/// leased (owner and expiry), and comes back when its lease expires.
/// </summary>
internal enum DeliveryState
{
    Pending,
    Delivered,
    Dead,
}
