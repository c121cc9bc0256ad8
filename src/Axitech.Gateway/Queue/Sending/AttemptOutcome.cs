namespace Axitech.Gateway.Queue;

/// <summary>How one attempt to hand a queued delivery to its upstream ended, before anything is settled.</summary>
internal enum AttemptOutcome
{
    /// <summary>The upstream answered 2xx: it has the delivery.</summary>
    Acknowledged,

    /// <summary>It may take it later: no connection, no answer in time, 408, 429 or 5xx.</summary>
    Retryable,

    /// <summary>It answered a status that another attempt would not change (400, 404, ...).</summary>
    Rejected,

    /// <summary>The stored body cannot be decrypted: there is nothing to send.</summary>
    BodyUnreadable,

    /// <summary>Cut off by the gateway's shutdown: not settled, the lease is released for another attempt.</summary>
    Aborted,
}
