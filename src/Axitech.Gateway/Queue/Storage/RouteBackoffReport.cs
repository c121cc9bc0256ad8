namespace Axitech.Gateway.Queue;

/// <summary>A replica's report that a route is backing off: since when, and when the replica last said so.</summary>
internal sealed record RouteBackoffReport(string RouteId, string Owner, DateTimeOffset Since, DateTimeOffset SeenAt);
