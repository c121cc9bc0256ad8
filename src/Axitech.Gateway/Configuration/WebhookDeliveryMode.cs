namespace Axitech.Gateway.Configuration;

/// <summary>How a route hands a verified delivery to its upstream: route metadata <c>WebhookDelivery</c>.</summary>
public enum WebhookDeliveryMode
{
    /// <summary>The default: forwarded at once, the sender gets the upstream's answer.</summary>
    Forward,

    /// <summary>Stored durably, answered 202, and delivered by the gateway's workers until the upstream takes it.</summary>
    Queue,
}
