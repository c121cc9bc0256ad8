namespace Axitech.Webhooks;

/// <summary>Stable reason codes for <see cref="WebhookVerificationOutcome"/>, as used in metrics, logs and problem responses.</summary>
public static class WebhookVerificationOutcomeExtensions
{
    /// <summary>
    /// The snake_case reason code of an outcome (<c>invalid_signature</c>, <c>stale_timestamp</c>, …), or
    /// <c>valid</c>. These strings are an operator contract: dashboards and alerts match on them.
    /// </summary>
    public static string ToReasonCode(this WebhookVerificationOutcome outcome) => outcome switch
    {
        WebhookVerificationOutcome.Valid => "valid",
        WebhookVerificationOutcome.MissingSignature => "missing_signature",
        WebhookVerificationOutcome.InvalidSignature => "invalid_signature",
        WebhookVerificationOutcome.MissingTimestamp => "missing_timestamp",
        WebhookVerificationOutcome.InvalidTimestamp => "invalid_timestamp",
        WebhookVerificationOutcome.StaleTimestamp => "stale_timestamp",
        WebhookVerificationOutcome.FutureTimestamp => "future_timestamp",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
