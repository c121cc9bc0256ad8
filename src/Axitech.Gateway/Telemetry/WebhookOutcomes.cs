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

    /// <summary>A header value HTTP/1.1 cannot carry to the upstream faithfully (a control character).</summary>
    public const string InvalidHeader = "invalid_header";
    public const string InvalidBody = Axitech.Webhooks.AspNetCore.WebhookProblems.InvalidBody;
    public const string ClientAborted = "client_aborted";
    public const string RateLimited = "rate_limited";

    /// <summary>Gateway:Limits:UnverifiedBytesPerClient (429) or Gateway:Limits:UnverifiedBytes (503) is held already.</summary>
    public const string UnverifiedBytesPerClient = "unverified_bytes_per_client";
    public const string UnverifiedBytes = "unverified_bytes";
    public const string BodyTimeout = "body_timeout";
    public const string PolicyUnavailable = "policy_unavailable";

    /// <summary>A timestamp in a form its policy's TimestampFormat does not accept (the detail names the form seen).</summary>
    public const string TimestampFormat = Axitech.Webhooks.AspNetCore.WebhookProblems.TimestampFormat;

    /// <summary>A valid signature whose timestamp the body's first characters would continue (a slid copy, or its original).</summary>
    public const string AmbiguousTimestamp = Axitech.Webhooks.AspNetCore.WebhookProblems.AmbiguousTimestamp;

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
