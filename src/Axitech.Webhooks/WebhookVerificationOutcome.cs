namespace Axitech.Webhooks;

/// <summary>
/// What the verification of one delivery concluded. Bad traffic is not exceptional: the verifier returns one of
/// these instead of throwing.
/// </summary>
public enum WebhookVerificationOutcome
{
    /// <summary>The signature matches one of the secrets and the timestamp is within the tolerance window.</summary>
    Valid,

    /// <summary>The signature header is absent or empty.</summary>
    MissingSignature,

    /// <summary>The signature is not 64 hex characters, or matches none of the secrets (wrong secret or tampering).</summary>
    InvalidSignature,

    /// <summary>The timestamp header is absent or empty.</summary>
    MissingTimestamp,

    /// <summary>The signature is good but the timestamp is not strict Unix seconds, Unix milliseconds or ISO-8601.</summary>
    InvalidTimestamp,

    /// <summary>The signature is good but the timestamp is older than the tolerance allows (replay or clock skew).</summary>
    StaleTimestamp,

    /// <summary>The signature is good but the timestamp is further in the future than the tolerance allows (clock skew).</summary>
    FutureTimestamp,
}
