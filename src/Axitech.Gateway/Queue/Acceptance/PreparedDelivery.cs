namespace Axitech.Gateway.Queue;

/// <summary>A row ready to insert: id assigned, body encrypted (or not), times in Unix milliseconds (UTC).</summary>
internal sealed record PreparedDelivery(
    Guid Id,
    string RouteId,
    string? DedupKey,
    string Method,
    string RawTarget,
    string Signature,
    string Timestamp,
    string? ContentType,
    byte[] StoredBody,
    int BodyEncoding,
    long ReceivedAt,
    long DedupExpiresAt,
    string? TraceParent);
