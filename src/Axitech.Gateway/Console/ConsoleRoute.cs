namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// A route as the routes page shows it. Queue figures, <c>State</c> (delivering, backing_off, paused, as
/// <c>deliveries routes</c> reads them from the store) and pace are null for a forwarding route.
/// </summary>
/// <param name="RouteId">The route's id.</param>
/// <param name="Mode">Forward, Queue, or "not configured" for a route whose deliveries outlived its configuration.</param>
/// <param name="Pending">Pending deliveries.</param>
/// <param name="Dead">Dead deliveries.</param>
/// <param name="OldestPendingAge">How long the oldest pending delivery has waited.</param>
/// <param name="DeliveredLastHour">Deliveries delivered in the last hour.</param>
/// <param name="State"><c>delivering</c>, <c>backing_off</c> or <c>paused</c>.</param>
/// <param name="BackingOffFor">How long a replica has reported it backing off; null unless it does.</param>
/// <param name="Rate">Most attempts per second per replica (metadata <c>WebhookDeliveryRate</c>); null: unlimited, or not queued.</param>
/// <param name="Concurrency">Most attempts at once per replica (metadata <c>WebhookDeliveryConcurrency</c>, else <c>Webhooks:Queue:MaxConcurrency</c>).</param>
public sealed record ConsoleRoute(
    string RouteId,
    string Mode,
    long? Pending,
    long? Dead,
    TimeSpan? OldestPendingAge,
    long? DeliveredLastHour,
    string? State = null,
    TimeSpan? BackingOffFor = null,
    int? Rate = null,
    int? Concurrency = null)
{
    /// <summary>Whether the route queues (or queued: its deliveries are still stored), so it can be paused and resumed.</summary>
    public bool Queued => State is not null;

    public bool Paused => State == Queue.RouteStates.Paused;
}
