namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The headers the gateway sets. An operator contract: upstreams and senders read them by name. Removed from incoming
/// requests, so that a sender cannot set what the upstream takes as set by the gateway.
/// </summary>
internal static class GatewayHeaders
{
    /// <summary>On the gateway's answer to a repeat of a delivery: <c>true</c>.</summary>
    public const string Duplicate = "X-Axitech-Duplicate";

    /// <summary>The id of a queued delivery: on the 202 (or a repeat's 200), and on every attempt to the upstream.</summary>
    public const string DeliveryId = "X-Axitech-Delivery-Id";

    /// <summary>On each attempt of a queued delivery to the upstream: 1 for the first.</summary>
    public const string DeliveryAttempt = "X-Axitech-Delivery-Attempt";

    public static readonly string[] All = [Duplicate, DeliveryId, DeliveryAttempt];
}
