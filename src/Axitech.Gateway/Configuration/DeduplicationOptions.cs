namespace Axitech.Gateway.Configuration;

/// <summary>Duplicate and replay protection of one policy, <c>Webhooks:Policies:&lt;name&gt;:Deduplication</c>.</summary>
public sealed record DeduplicationOptions
{
    /// <summary>Whether repeats of a delivery are answered by the gateway instead of forwarded. The default is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// What identifies a delivery: <c>Signature</c> (the default: the verified signature, which covers method, target,
    /// timestamp and body) or a list of JSON paths into the body, such as <c>event_type</c>, <c>data.sessionId</c>,
    /// for senders that re-sign their retries with a new timestamp. A list is given as an array or comma-separated.
    /// </summary>
    public IReadOnlyList<string> Key { get; init; } = [];

    /// <summary>
    /// How long a delivery may stay in flight before its claim lapses and a retry may be forwarded again (a gateway
    /// that died mid-forward must not block the sender's retries until the window closes). Keep it above the
    /// upstream's activity timeout. The default is 2 minutes.
    /// </summary>
    public TimeSpan InFlightLease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Added to the tolerance when computing how long a delivered entry is kept: the entry lives until the
    /// delivery's timestamp leaves the window, plus this margin. The default is 30 seconds.
    /// </summary>
    public TimeSpan ExpiryMargin { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// What to do when the store cannot be reached: <c>Reject</c> (the default: 503, nothing forwarded) or
    /// <c>Forward</c> (availability first: forwarded without protection, counted and logged each time).
    /// </summary>
    public StoreUnavailableBehavior OnStoreUnavailable { get; init; } = StoreUnavailableBehavior.Reject;

    /// <summary>The content key's JSON paths, or empty when the key is the signature.</summary>
    public bool UsesContentKey => Key.Count > 0;
}
