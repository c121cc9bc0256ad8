namespace Axitech.Gateway.Queue;

/// <summary>What is recorded for an attempt (<see cref="DeliveryRetryPolicy.Decide"/>).</summary>
/// <param name="Kind">Delivered, retried later, or given up.</param>
/// <param name="NextAttemptAt">When to try again (<see cref="SettlementKind.Retry"/> only).</param>
/// <param name="StatusCode">The upstream's status code, when it answered.</param>
/// <param name="Code">The error (retry) or the dead-letter reason: a <see cref="DeliveryErrors"/> code.</param>
internal readonly record struct Settlement(SettlementKind Kind, DateTimeOffset NextAttemptAt, int? StatusCode, string? Code);
