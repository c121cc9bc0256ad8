namespace Axitech.Gateway.Queue;

/// <summary>What is recorded for an attempt (<see cref="DeliveryRetryPolicy.Decide"/>).</summary>
internal enum SettlementKind
{
    Delivered,
    Retry,
    DeadLetter,

    /// <summary>A failed probe of a route that backs off: due again at the next probe, not counted as an attempt.</summary>
    Probe,
}
