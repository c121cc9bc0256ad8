using Axitech.Webhooks;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// One verification policy, <c>Webhooks:Policies:&lt;name&gt;</c>. A YARP route names it with the route metadata
/// <c>WebhookPolicy</c>.
/// </summary>
public sealed record WebhookPolicyOptions
{
    /// <summary>The default tolerance: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The default body limit: 1 MiB.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// The secrets, any one of which verifies a delivery. During a rotation both the old and the new secret are
    /// listed. Blank entries are ignored; at least one non-blank secret is required.
    /// </summary>
    public IReadOnlyList<string?> Secrets { get; init; } = [];

    /// <summary>How far <c>x-aw-timestamp</c> may be from the gateway's clock, on either side. The default is 5 minutes.</summary>
    public TimeSpan Tolerance { get; init; } = DefaultTolerance;

    /// <summary>The largest body accepted, in bytes. The default is 1048576 (1 MiB); at most 104857600 (100 MiB).</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>Name of the signature header. The default is <c>x-aw-signature</c>.</summary>
    public string SignatureHeader { get; init; } = AxitechSignature.SignatureHeaderName;

    /// <summary>Name of the timestamp header. The default is <c>x-aw-timestamp</c>.</summary>
    public string TimestampHeader { get; init; } = AxitechSignature.TimestampHeaderName;

    /// <summary>
    /// The path prefix the sender's URL had and an ingress in front of the gateway stripped, such as
    /// <c>/axitech</c>: it is put back in front of the received target before verifying. Empty (the default) when
    /// nothing is stripped.
    /// </summary>
    public string? SignedPathPrefix { get; init; }

    /// <summary>Duplicate and replay protection for this policy. On by default.</summary>
    public DeduplicationOptions Deduplication { get; init; } = new();

    /// <summary>
    /// The one form of the timestamp header this policy accepts: <c>UnixSeconds</c>, <c>UnixMilliseconds</c>,
    /// <c>Iso8601</c> (with <c>Z</c> or an offset), <c>Iso8601WithoutOffset</c> (<c>yyyy-MM-ddTHH:mm:ss</c>), or
    /// <c>Any</c>. With one form, no characters can slide between the timestamp and the body under one signature;
    /// <c>Any</c> closes the slide by refusing a body that would continue the timestamp (SECURITY.md). The default is
    /// <c>Any</c>, which accepts what the vendor may send.
    /// </summary>
    public WebhookTimestampFormat TimestampFormat { get; init; } = WebhookTimestampFormat.Any;
}
