namespace Axitech.Gateway.Telemetry;

/// <summary>
/// The values of the <c>outcome</c> and <c>reason</c> attributes. An operator contract: dashboards, alerts and the
/// problem responses use these strings to the letter.
/// </summary>
internal static class WebhookOutcomes
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Duplicate = "duplicate";

    /// <summary>Accepted on a queued route: stored durably and answered 202; delivered by the workers.</summary>
    public const string Queued = "queued";

    // Rejections that are the verifier's (see WebhookVerificationOutcomeExtensions.ToReasonCode).
    public const string BodyTooLarge = Axitech.Webhooks.AspNetCore.WebhookProblems.BodyTooLarge;

    // Rejections before verification.
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UpgradeNotAllowed = "upgrade_not_allowed";
    public const string InvalidTarget = "invalid_target";
    public const string InvalidBody = Axitech.Webhooks.AspNetCore.WebhookProblems.InvalidBody;
    public const string ClientAborted = "client_aborted";
    public const string RateLimited = "rate_limited";
    public const string PolicyUnavailable = "policy_unavailable";

    // Rejections after verification: a content-keyed policy whose key cannot be read from a body that is not JSON.
    public const string InvalidJson = "invalid_json";

    // Duplicate protection.
    public const string Delivered = "delivered";
    public const string InFlight = "in_flight";
    public const string StoreFull = "store_full";
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>A queued route whose delivery store cannot commit: 503, nothing acknowledged.</summary>
    public const string QueueUnavailable = "queue_unavailable";

    /// <summary>Accepted and forwarded while the store was unavailable, because the policy prefers availability.</summary>
    public const string Unprotected = "store_unavailable_forwarded";
}
