namespace Axitech.Webhooks.AspNetCore;

/// <summary>Endpoint metadata: the endpoint processes each <c>X-Axitech-Delivery-Id</c> once.</summary>
internal sealed record DeliveryIdempotencyMetadata;
