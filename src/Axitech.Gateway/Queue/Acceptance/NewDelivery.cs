namespace Axitech.Gateway.Queue;

/// <summary>A verified delivery to keep until its upstream has it: what the worker will send, exactly as received.</summary>
internal sealed record NewDelivery
{
    /// <summary>The YARP route that received it; its cluster is where it goes.</summary>
    public required string RouteId { get; init; }

    /// <summary>
    /// What makes a repeat a duplicate (unique across the store, so it must carry its own scope, e.g. the policy), or
    /// null when the route's policy has duplicate protection off: then it is always stored.
    /// </summary>
    public string? DedupKey { get; init; }

    public required string Method { get; init; }

    /// <summary>The path and query exactly as received (no decoding, no canonicalisation).</summary>
    public required string RawTarget { get; init; }

    /// <summary>The signature header's value, forwarded as is.</summary>
    public required string Signature { get; init; }

    /// <summary>The timestamp header's value, forwarded as is.</summary>
    public required string Timestamp { get; init; }

    public string? ContentType { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>
    /// Until when the delivery, once delivered, is kept so that a repeat of it is still answered as a duplicate
    /// (typically the timestamp's tolerance window plus a margin; after that the verifier refuses the repeat anyway).
    /// </summary>
    public required DateTimeOffset DedupExpiresAt { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the acceptance, so that each attempt's span can link to it; null when none.</summary>
    public string? TraceParent { get; init; }
}
