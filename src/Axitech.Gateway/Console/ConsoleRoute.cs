namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// A route as the routes page shows it. Queue figures are null for a forwarding route; <c>State</c> (delivering,
/// backing_off, paused) stays null until the queue reports one.
/// </summary>
public sealed record ConsoleRoute(
    string RouteId,
    string Mode,
    long? Pending,
    long? Dead,
    TimeSpan? OldestPendingAge,
    long? DeliveredLastHour,
    string? State = null);
