namespace Axitech.Gateway.Queue;

/// <summary>What is recorded for an attempt (<see cref="DeliveryRetryPolicy.Decide"/>).</summary>
internal enum SettlementKind
{
    Delivered,
    Retry,
    DeadLetter,
}
