namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// One verification policy, <c>Webhooks:Policies:{name}</c>: the same shape (and defaults) as the Axitech gateway's
/// policies, so that one configuration section serves both.
/// </summary>
public sealed record AxitechWebhookPolicyOptions
{
    /// <summary>The default tolerance: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The default body limit: 1 MiB.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>The largest body limit a policy may set: 100 MiB.</summary>
    public const long MaxMaxBodyBytes = 100 * 1024 * 1024;

    /// <summary>
    /// The secrets, any one of which verifies a delivery. During a rotation both the old and the new secret are
    /// listed. Blank entries are ignored; at least one non-blank secret is required.
    /// </summary>
    public IReadOnlyList<string?> Secrets { get; init; } = [];

    /// <summary>
    /// How far <c>x-aw-timestamp</c> may be from this service's clock, on either side. The default is 5 minutes. Behind
    /// a queued gateway route, a delivery can arrive up to the queue's <c>MaxAge</c> after it was signed: see
    /// docs/packages.md.
    /// </summary>
    public TimeSpan Tolerance { get; init; } = DefaultTolerance;

    /// <summary>The largest body accepted, in bytes. The default is 1048576 (1 MiB); at most 104857600 (100 MiB).</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>Name of the signature header. The default is <c>x-aw-signature</c>.</summary>
    public string SignatureHeader { get; init; } = AxitechSignature.SignatureHeaderName;

    /// <summary>Name of the timestamp header. The default is <c>x-aw-timestamp</c>.</summary>
    public string TimestampHeader { get; init; } = AxitechSignature.TimestampHeaderName;

    /// <summary>
    /// The path prefix the sender's URL had and a proxy in front of this service stripped, such as <c>/axitech</c>: it is
    /// put back in front of the received target before verifying. Empty (the default) when nothing is stripped.
    /// </summary>
    public string? SignedPathPrefix { get; init; }

    /// <summary>
    /// The one form of the timestamp header accepted (<c>UnixSeconds</c>, <c>UnixMilliseconds</c>, <c>Iso8601</c>,
    /// <c>Iso8601WithoutOffset</c>), or <c>Any</c>, as in the gateway: with one form, no characters can slide between
    /// the timestamp and the body. The default is <c>Any</c>.
    /// </summary>
    public WebhookTimestampFormat TimestampFormat { get; init; } = WebhookTimestampFormat.Any;
}
