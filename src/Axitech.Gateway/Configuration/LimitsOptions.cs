namespace Axitech.Gateway.Configuration;

/// <summary>
/// <c>Gateway:Limits</c>: what request bodies whose signature is not yet verified may cost. A body is unverified from
/// its first byte until the signature has been checked; an attacker who never sends the last byte keeps it so.
/// </summary>
public sealed record LimitsOptions
{
    /// <summary>1 MiB, the unit of the byte limits' defaults.</summary>
    private const long MiB = 1024 * 1024;

    /// <summary>
    /// How long the body of a webhook request may take to arrive whole, from the moment the gateway starts reading it,
    /// whatever its average rate (Kestrel's <c>MinRequestBodyDataRate</c> is an average since the body began, so a large
    /// body sent fast and left one byte short stays open for its size divided by that rate). Over it the sender gets 408
    /// <c>body_timeout</c>. The default is 30 seconds.
    /// </summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most unverified body bytes one client address may have the gateway hold at once, across its connections and
    /// HTTP/2 streams; beyond it a new request is answered 429 <c>unverified_bytes_per_client</c> with Retry-After,
    /// before its body is read. At least every policy's <c>MaxBodyBytes</c>. The default is 16 MiB (16777216 bytes).
    /// </summary>
    public long UnverifiedBytesPerClient { get; init; } = 16 * MiB;

    /// <summary>
    /// The most unverified body bytes the gateway holds at once for all clients together; beyond it a new request is
    /// answered 503 <c>unverified_bytes</c> with Retry-After, before its body is read. At least
    /// <see cref="UnverifiedBytesPerClient"/>. The default is 256 MiB (268435456 bytes).
    /// </summary>
    public long UnverifiedBytes { get; init; } = 256 * MiB;
}
