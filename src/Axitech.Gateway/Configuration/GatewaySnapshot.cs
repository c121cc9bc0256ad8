using System.Collections.Frozen;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Queue;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// The whole configuration the gateway runs on, built and validated in one place (<see cref="GatewaySnapshotBuilder"/>):
/// YARP's routes and clusters, the webhook routes with their compiled policies, and the gateway-wide options. It is put
/// in force whole or not at all; one with <see cref="Errors"/> never is.
/// </summary>
internal sealed record GatewaySnapshot
{
    /// <summary>The routes as YARP reads them, served to YARP by <see cref="GatewaySnapshotSource"/>.</summary>
    public required IReadOnlyList<RouteConfig> ProxyRoutes { get; init; }

    public required IReadOnlyList<ClusterConfig> ProxyClusters { get; init; }

    /// <summary>The webhook routes by route id (case-insensitive, as YARP's ids are).</summary>
    public required FrozenDictionary<string, WebhookRoute> Routes { get; init; }

    /// <summary>The valid policies by name (case-insensitive, as configuration keys are); each compiled once.</summary>
    public required FrozenDictionary<string, WebhookPolicy> Policies { get; init; }

    public required GatewayOptions Gateway { get; init; }

    /// <summary><see cref="GatewayOptions.TrustedProxies"/>, parsed; an address is a network of one.</summary>
    public required IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; }

    public required DeduplicationStoreOptions Deduplication { get; init; }

    /// <summary><c>ConnectionStrings:Redis</c>, or null for the in-memory store.</summary>
    public string? RedisConnectionString { get; init; }

    /// <summary><c>Webhooks:Queue</c>: where queued routes keep their deliveries, and how they are delivered.</summary>
    public required DeliveryQueueOptions Queue { get; init; }

    /// <summary><c>ConnectionStrings:Postgres</c>, or null for the SQLite file at <see cref="DeliveryQueueOptions.Path"/>.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Whether any route queues its deliveries.</summary>
    public bool HasQueuedRoutes => Routes.Values.Any(r => r.Delivery == WebhookDeliveryMode.Queue);

    /// <summary>
    /// The settings read only at start-up (listeners, stores, gateway options), flattened: a reload that changes one is
    /// logged as needing a restart.
    /// </summary>
    public required IReadOnlyDictionary<string, string?> StartupSettings { get; init; }

    /// <summary>Every reason the configuration cannot run, each saying what to fix. Empty when it is valid.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    /// <summary>What runs but probably does not do what was meant.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    public bool IsValid => Errors.Count == 0;

    /// <summary>The keys of the start-up settings that differ in <paramref name="next"/>: names only, never values (they may hold passwords).</summary>
    public IReadOnlyList<string> StartupSettingsChangedIn(GatewaySnapshot next)
        => StartupSettings.Keys.Union(next.StartupSettings.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !string.Equals(StartupSettings.GetValueOrDefault(k), next.StartupSettings.GetValueOrDefault(k), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
}
