namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// A delivery as the console shows it: never its body, signature, or anything derived from them (the dedup key is
/// derived from the signature or the body, so it is left out too).
/// </summary>
public sealed record ConsoleDelivery
{
    public required Guid Id { get; init; }

    public required string RouteId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>pending, delivered or dead.</summary>
    public required string State { get; init; }

    public required int Attempts { get; init; }

    public int? LastStatusCode { get; init; }

    public string? LastError { get; init; }

    /// <summary>When a pending delivery is tried next; null once delivered or dead.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public DateTimeOffset? DeadAt { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The body's size in bytes as received; filled on the delivery's own page.</summary>
    public long? Size { get; init; }

    /// <summary>The payload's event and group type once the store keeps them (subscriptions); null until then.</summary>
    public string? EventType { get; init; }

    public string? GroupType { get; init; }

    /// <summary>Each recorded attempt, oldest first; filled on the delivery's own page.</summary>
    public IReadOnlyList<ConsoleAttempt> AttemptHistory { get; init; } = [];
}
