namespace Axitech.Gateway.Configuration;

/// <summary>A YARP route as the webhook pipeline sees it: its verification policy and how it delivers.</summary>
internal sealed record WebhookRoute(string RouteId, string ClusterId, WebhookPolicy Policy, WebhookDeliveryMode Delivery);
