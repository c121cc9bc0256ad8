namespace Axitech.Gateway.Queue;

/// <summary>A route an operator paused (<c>deliveries pause --route</c>), and since when.</summary>
internal sealed record RoutePause(string RouteId, DateTimeOffset PausedAt);
