namespace Axitech.Webhooks.AspNetCore;

/// <summary>Set on the request's features once its signature verified: what the idempotency step requires.</summary>
internal sealed record VerifiedDelivery(string Policy, DateTimeOffset SignedAt);
