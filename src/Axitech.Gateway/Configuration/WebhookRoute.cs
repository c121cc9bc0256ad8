namespace Axitech.Gateway.Configuration;

/// <summary>A YARP route as the webhook pipeline sees it: its verification policy and how it delivers.</summary>
/// <param name="RouteId">YARP's route id.</param>
/// <param name="ClusterId">The cluster it sends to.</param>
/// <param name="Policy">The webhook policy that verifies it.</param>
/// <param name="Delivery">Forwarded at once, or queued.</param>
/// <param name="DeliveryRate">A queued route's most attempts per second per replica (metadata <c>WebhookDeliveryRate</c>); null: unlimited.</param>
/// <param name="DeliveryConcurrency">A queued route's most attempts at once (metadata <c>WebhookDeliveryConcurrency</c>); null: <c>Webhooks:Queue:MaxConcurrency</c>.</param>
internal sealed record WebhookRoute(
    string RouteId,
    string ClusterId,
    WebhookPolicy Policy,
    WebhookDeliveryMode Delivery,
    int? DeliveryRate = null,
    int? DeliveryConcurrency = null);
