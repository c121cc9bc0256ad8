namespace Axitech.Gateway.Queue;

/// <summary>
/// The queued routes' states as the replicas together keep them in the store: <c>paused</c> (an operator's hold),
/// <c>backing_off</c> (a live replica reports it), otherwise <c>delivering</c>. One reading for <c>deliveries routes</c>
/// and the console, so both say the same.
/// </summary>
internal sealed class StoredRouteStates
{
    private readonly HashSet<string> _paused;
    private readonly Dictionary<string, DateTimeOffset> _backingOffSince;

    private StoredRouteStates(HashSet<string> paused, Dictionary<string, DateTimeOffset> backingOffSince)
    {
        _paused = paused;
        _backingOffSince = backingOffSince;
    }

    /// <summary>The routes paused now (a pause outlives a route's removal from the configuration).</summary>
    public IReadOnlyCollection<string> Paused => _paused;

    public static async Task<StoredRouteStates> ReadAsync(IDeliveryStore store, DeliveryQueueOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var paused = (await store.GetPausedAsync(cancellationToken).ConfigureAwait(false)).Select(p => p.RouteId).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // A replica reports at each probe (at most MaxDelay apart); a report older than that and then some is of one that died.
        var fresh = options.Retry.MaxDelay + options.Lease + options.PollInterval + TimeSpan.FromMinutes(1);
        var backingOff = (await store.GetBackoffReportsAsync(cancellationToken).ConfigureAwait(false))
            .Where(r => now - r.SeenAt <= fresh)
            .GroupBy(r => r.RouteId, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Min(r => r.Since), StringComparer.OrdinalIgnoreCase);
        return new StoredRouteStates(paused, backingOff);
    }

    /// <summary>The route's state name (<see cref="RouteStates"/>), and since when it backs off (null unless it does).</summary>
    public (string State, DateTimeOffset? BackingOffSince) Of(string routeId)
        => _paused.Contains(routeId) ? (RouteStates.Paused, null)
            : _backingOffSince.TryGetValue(routeId, out var since) ? (RouteStates.BackingOff, since)
            : (RouteStates.Delivering, null);
}
