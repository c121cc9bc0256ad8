namespace Axitech.Webhooks;

/// <summary>
/// Which form of <c>x-aw-timestamp</c> a policy accepts. Every form but <see cref="Any"/> is prefix-free or lands a
/// slid copy outside any freshness window, so no characters can move between the timestamp and the body under one
/// signature (SECURITY.md, "No slide").
/// </summary>
public enum WebhookTimestampFormat
{
    /// <summary>Every form <see cref="WebhookTimestamp.TryParse"/> reads (the default); the slide is then closed by <see cref="WebhookTimestamp.IsContinuedBy"/>.</summary>
    Any = 0,

    /// <summary>Unix seconds: digits only, below 100,000,000,000.</summary>
    UnixSeconds,

    /// <summary>Unix milliseconds: digits only, 100,000,000,000 or more.</summary>
    UnixMilliseconds,

    /// <summary>ISO-8601 with <c>Z</c> or an offset (<c>±HH:mm</c>), optionally with a fraction of a second.</summary>
    Iso8601,

    /// <summary>ISO-8601 exactly as <c>yyyy-MM-ddTHH:mm:ss</c> (no fraction, no offset), read as UTC.</summary>
    Iso8601WithoutOffset,
}
