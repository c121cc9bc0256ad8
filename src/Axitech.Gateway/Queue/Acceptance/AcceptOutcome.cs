namespace Axitech.Gateway.Queue;

/// <summary>What became of an acceptance.</summary>
internal enum AcceptOutcome
{
    /// <summary>Committed (durably: the answer comes only after the commit returned).</summary>
    Accepted,

    /// <summary>A delivery with the same dedup key is already stored; nothing was stored again.</summary>
    Duplicate,

    /// <summary>The store could not commit it (unreachable, full, read-only): nothing was accepted. Answer 503.</summary>
    Unavailable,

    /// <summary>
    /// As many acceptances as <see cref="DeliveryQueueOptions.MaxPendingAcceptances"/> already wait for a commit (the
    /// database is slow or hangs): nothing was queued. Answer 503.
    /// </summary>
    Full,
}
