namespace Axitech.Gateway.Queue;

/// <summary>One route's backlog, for metrics: pending and dead-lettered counts and the oldest pending delivery's arrival.</summary>
internal sealed record RouteQueueStats(string RouteId, long Pending, long Dead, DateTimeOffset? OldestPendingReceivedAt);
