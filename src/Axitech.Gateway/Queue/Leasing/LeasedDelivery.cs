namespace Axitech.Gateway.Queue;

/// <summary>A delivery handed to a worker by <see cref="IDeliveryStore.LeaseDueAsync"/>, and the lease to settle it with.</summary>
internal sealed record LeasedDelivery(DeliveryLease Lease, StoredDelivery Delivery);
