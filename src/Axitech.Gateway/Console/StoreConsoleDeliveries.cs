using System.Globalization;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// <see cref="IConsoleDeliveries"/> over the delivery store's operator queries. The store is resolved only when a route
/// queues: a gateway without queued routes creates no database for its console to look at.
/// </summary>
internal sealed class StoreConsoleDeliveries : IConsoleDeliveries
{
    /// <summary>Ids read per query when collecting the dead deliveries a filter matches.</summary>
    private const int CollectBatch = 1000;

    private readonly GatewaySnapshotSource _snapshots;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _timeProvider;

    public StoreConsoleDeliveries(GatewaySnapshotSource snapshots, IServiceProvider services, TimeProvider timeProvider)
    {
        _snapshots = snapshots;
        _services = services;
        _timeProvider = timeProvider;
    }

    private bool AnyRouteQueues => _snapshots.Current.Routes.Values.Any(r => r.Delivery == WebhookDeliveryMode.Queue);

    /// <summary>The store's operator queries; the console-only ones (<see cref="SqlDeliveryStore.BrowseAsync"/>) are on the SQL store.</summary>
    private SqlDeliveryStore Store => (SqlDeliveryStore)_services.GetRequiredService<IDeliveryStore>();

    public async Task<IReadOnlyList<ConsoleRoute>> GetRoutesAsync(CancellationToken cancellationToken)
    {
        var configured = _snapshots.Current.Routes.Values;
        if (!AnyRouteQueues)
        {
            return [.. configured.OrderBy(r => r.RouteId, StringComparer.Ordinal).Select(r => new ConsoleRoute(r.RouteId, r.Delivery.ToString(), null, null, null, null))];
        }

        var now = _timeProvider.GetUtcNow();
        var stats = (await Store.GetStatsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.RouteId, StringComparer.OrdinalIgnoreCase);
        var delivered = await Store.CountDeliveredSinceAsync(now.AddHours(-1), cancellationToken).ConfigureAwait(false);
        var queue = _snapshots.Current.Queue;
        var states = await StoredRouteStates.ReadAsync(Store, queue, now, cancellationToken).ConfigureAwait(false);
        var routes = new List<ConsoleRoute>();
        foreach (var route in configured)
        {
            routes.Add(route.Delivery == WebhookDeliveryMode.Queue
                ? Queued(route.RouteId, route.Delivery.ToString(), stats.GetValueOrDefault(route.RouteId), delivered.GetValueOrDefault(route.RouteId), states, now)
                    with { Rate = route.DeliveryRate, Concurrency = route.DeliveryConcurrency ?? queue.MaxConcurrency }
                : new ConsoleRoute(route.RouteId, route.Delivery.ToString(), null, null, null, null));
        }

        // A route taken out of the configuration keeps its stored deliveries (and its pause) until they are purged or replayed (resumed).
        var configuredIds = _snapshots.Current.Routes.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var leftover in stats.Keys.Concat(states.Paused).Where(r => !configuredIds.Contains(r)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            routes.Add(Queued(leftover, "not configured", stats.GetValueOrDefault(leftover), delivered.GetValueOrDefault(leftover), states, now));
        }

        return [.. routes.OrderBy(r => r.RouteId, StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> QueuedRouteIds
        => [.. _snapshots.Current.Routes.Values.Where(r => r.Delivery == WebhookDeliveryMode.Queue).Select(r => r.RouteId).Order(StringComparer.Ordinal)];

    public async Task<ConsoleDeliveryPage> GetDeliveriesAsync(ConsoleDeliveryFilter filter, string? after, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!AnyRouteQueues)
        {
            return new ConsoleDeliveryPage([], null);
        }

        var cursor = ParseCursor(after);
        var rows = await Store.BrowseAsync(
            ToQuery(filter, pageSize + 1) with { AfterReceivedAt = cursor?.ReceivedAt, AfterId = cursor?.Id },
            cancellationToken).ConfigureAwait(false);
        var items = rows.Take(pageSize).Select(ToConsole).ToList();
        var next = rows.Count > pageSize ? FormatCursor(rows[pageSize - 1]) : null;
        return new ConsoleDeliveryPage(items, next);
    }

    public async Task<ConsoleDelivery?> GetDeliveryAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!AnyRouteQueues)
        {
            return null;
        }

        var stored = await Store.GetAsync(id, includeBody: false, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var size = await Store.GetBodySizeAsync(id, cancellationToken).ConfigureAwait(false);
        var attempts = await Store.GetAttemptsAsync(id, cancellationToken).ConfigureAwait(false);
        return ToConsole(stored) with
        {
            Size = size,
            AttemptHistory = [.. attempts.Select(a => new ConsoleAttempt(a.Attempt, a.Record.AttemptedAt, a.Record.Destination, a.Record.StatusCode, a.Record.Error, a.Record.Duration))],
        };
    }

    public async Task<int> CountDeadAsync(ConsoleDeliveryFilter filter, CancellationToken cancellationToken)
        => AnyRouteQueues ? (await CollectDeadAsync(filter, cancellationToken).ConfigureAwait(false)).Count : 0;

    public Task<int> ReplayAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
        => AnyRouteQueues && ids.Count > 0 ? Store.ReplayAsync(ids, cancellationToken) : Task.FromResult(0);

    public async Task<int> ReplayDeadAsync(ConsoleDeliveryFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!AnyRouteQueues)
        {
            return 0;
        }

        // A filter by route alone is the store's own bulk replay, one statement.
        if (filter is { Error: null, From: null, To: null })
        {
            return await Store.ReplayDeadAsync(new DeadReplayFilter { RouteId = filter.Route }, cancellationToken).ConfigureAwait(false);
        }

        var ids = await CollectDeadAsync(filter, cancellationToken).ConfigureAwait(false);
        return ids.Count == 0 ? 0 : await Store.ReplayAsync(ids, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> SetPausedAsync(string routeId, bool paused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(routeId);
        var queued = _snapshots.Current.Routes.Values.FirstOrDefault(r => r.Delivery == WebhookDeliveryMode.Queue && string.Equals(r.RouteId, routeId, StringComparison.OrdinalIgnoreCase));
        if (queued is null)
        {
            // Resuming a route that no longer queues stays possible (a pause outlives a reload); pausing one is refused.
            var known = AnyRouteQueues && !paused
                && (await Store.GetPausedAsync(cancellationToken).ConfigureAwait(false)).Any(p => string.Equals(p.RouteId, routeId, StringComparison.OrdinalIgnoreCase));
            if (!known)
            {
                throw new ArgumentException($"Route '{routeId}' is not a queued route.", nameof(routeId));
            }
        }

        return await Store.SetPausedAsync(queued?.RouteId ?? routeId, paused, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<Guid>> CollectDeadAsync(ConsoleDeliveryFilter filter, CancellationToken cancellationToken)
    {
        var ids = new List<Guid>();
        var query = ToQuery(filter with { State = DeliveryStates.Dead }, CollectBatch);
        while (true)
        {
            var rows = await Store.BrowseAsync(query, cancellationToken).ConfigureAwait(false);
            ids.AddRange(rows.Select(r => r.Id));
            if (rows.Count < CollectBatch)
            {
                return ids;
            }

            query = query with { AfterReceivedAt = rows[^1].ReceivedAt, AfterId = rows[^1].Id };
        }
    }

    private static ConsoleRoute Queued(string routeId, string mode, RouteQueueStats? stats, long delivered, StoredRouteStates states, DateTimeOffset now)
    {
        var (state, backingOffSince) = states.Of(routeId);
        return new(
            routeId,
            mode,
            stats?.Pending ?? 0,
            stats?.Dead ?? 0,
            stats?.OldestPendingReceivedAt is { } oldest ? now - oldest : null,
            delivered,
            state,
            now - backingOffSince);
    }

    private static DeliveryPageQuery ToQuery(ConsoleDeliveryFilter filter, int limit) => new()
    {
        RouteId = string.IsNullOrEmpty(filter.Route) ? null : filter.Route,
        State = DeliveryStates.TryParse(filter.State, out var state) ? state : null,
        Error = string.IsNullOrEmpty(filter.Error) ? null : filter.Error,
        ReceivedFrom = filter.From,
        ReceivedBefore = filter.To,
        OldestFirst = filter.OldestFirst,
        Limit = limit,
    };

    private static ConsoleDelivery ToConsole(StoredDelivery stored) => new()
    {
        Id = stored.Id,
        RouteId = stored.RouteId,
        ReceivedAt = stored.ReceivedAt,
        State = stored.State.ToName(),
        Attempts = stored.Attempts,
        LastStatusCode = stored.LastStatusCode,
        LastError = stored.LastError,
        NextAttemptAt = stored.State == DeliveryState.Pending ? stored.NextAttemptAt : null,
        DeliveredAt = stored.DeliveredAt,
        DeadAt = stored.DeadAt,
        ContentType = stored.ContentType,
    };

    /// <summary>The last row of a page: its arrival (Unix milliseconds) and id.</summary>
    private static string FormatCursor(StoredDelivery last)
        => string.Create(CultureInfo.InvariantCulture, $"{last.ReceivedAt.ToUnixTimeMilliseconds()}_{last.Id:N}");

    private static (DateTimeOffset ReceivedAt, Guid Id)? ParseCursor(string? cursor)
        => cursor?.Split('_') is [var at, var id]
            && long.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            && Guid.TryParseExact(id, "N", out var guid)
                ? (DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), guid)
                : null;
}
