namespace Axitech.Gateway.Queue;

/// <summary>
/// What one attempt did, kept beside its delivery for the console: when it began, the destination it went to (its id in
/// the cluster), the upstream's status or a <see cref="DeliveryErrors"/> code, and how long it took. Never a body.
/// </summary>
internal sealed record AttemptRecord(DateTimeOffset AttemptedAt, string? Destination, int? StatusCode, string? Error, TimeSpan Duration);
