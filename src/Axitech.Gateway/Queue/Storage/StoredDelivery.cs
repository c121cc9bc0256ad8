namespace Axitech.Gateway.Queue;

/// <summary>One stored delivery, as read back. Timestamps are UTC.</summary>
internal sealed record StoredDelivery
{
    public required Guid Id { get; init; }

    public required string RouteId { get; init; }

    public string? DedupKey { get; init; }

    public required string Method { get; init; }

    public required string RawTarget { get; init; }

    public required string Signature { get; init; }

    public required string Timestamp { get; init; }

    public string? ContentType { get; init; }

    /// <summary>
    /// The body exactly as received (decrypted); null when it was not asked for (lists) or cannot be read, in which
    /// case <see cref="BodyError"/> says why.
    /// </summary>
    public ReadOnlyMemory<byte>? Body { get; init; }

    /// <summary>
    /// Why the body cannot be read (its encryption key is no longer configured, or it failed authentication); null when
    /// it can. A worker dead-letters such a delivery (or leaves it for an operator) instead of sending it.
    /// </summary>
    public string? BodyError { get; init; }

    /// <summary>Whether the body is stored encrypted.</summary>
    public bool BodyEncrypted { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Attempts made (each lease counts one); 0 again after a replay.</summary>
    public required int Attempts { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    public required DeliveryState State { get; init; }

    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeasedUntil { get; init; }

    /// <summary>The upstream's status code of the last attempt, if it answered.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>The last attempt's error as a short code (<c>connection_refused</c>, <c>timeout</c>, <c>status_503</c>), or the dead-letter reason.</summary>
    public string? LastError { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public DateTimeOffset? DeadAt { get; init; }

    /// <summary>Until when the row is kept, once delivered, to answer repeats as duplicates.</summary>
    public required DateTimeOffset DedupExpiresAt { get; init; }

    /// <summary>The W3C <c>traceparent</c> of the acceptance, or null.</summary>
    public string? TraceParent { get; init; }
}
