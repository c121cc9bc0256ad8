namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// What the console's pages read and do, and nothing else: the pages never see the store, so a route's state, pause and
/// resume, or attempt history arrive as members here (and columns in <see cref="ConsoleRoute"/> and
/// <see cref="ConsoleDelivery"/>) without the pages learning a second API. Public because Razor's generated pages are.
/// </summary>
public interface IConsoleDeliveries
{
    /// <summary>Every webhook route, with its queue's numbers when it queues.</summary>
    Task<IReadOnlyList<ConsoleRoute>> GetRoutesAsync(CancellationToken cancellationToken);

    /// <summary>The routes whose deliveries are stored (queued routes), for the filter; no store query.</summary>
    IReadOnlyList<string> QueuedRouteIds { get; }

    /// <summary>One page of deliveries matching <paramref name="filter"/>, in its order, after <paramref name="after"/> (a <see cref="ConsoleDeliveryPage.Next"/>).</summary>
    Task<ConsoleDeliveryPage> GetDeliveriesAsync(ConsoleDeliveryFilter filter, string? after, int pageSize, CancellationToken cancellationToken);

    /// <summary>One delivery; null when there is none with that id.</summary>
    Task<ConsoleDelivery?> GetDeliveryAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>How many dead deliveries match <paramref name="filter"/> (its state ignored).</summary>
    Task<int> CountDeadAsync(ConsoleDeliveryFilter filter, CancellationToken cancellationToken);

    /// <summary>Makes the given deliveries pending again, due now; returns how many changed (a delivery under a live lease does not).</summary>
    Task<int> ReplayAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    /// <summary>Makes every dead delivery matching <paramref name="filter"/> (its state ignored) pending again; returns how many.</summary>
    Task<int> ReplayDeadAsync(ConsoleDeliveryFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// Pauses or resumes a queued route for every replica (the store's hold, as <c>deliveries pause|resume</c> set it);
    /// false when it already was so. Throws <see cref="ArgumentException"/> for a route that is neither queued nor paused.
    /// </summary>
    Task<bool> SetPausedAsync(string routeId, bool paused, CancellationToken cancellationToken);
}
