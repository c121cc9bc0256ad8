using Axitech.Gateway.Telemetry;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// The snapshot in force, and YARP's configuration provider. On every configuration reload it builds a new snapshot
/// with <see cref="GatewaySnapshotBuilder"/>: a valid one replaces the old whole (routes, clusters, policies and
/// secrets together, YARP's routes following from the same snapshot); an invalid one changes nothing, is logged once
/// with every problem, counted, and reported by <c>/readyz</c> while the last good snapshot serves.
/// </summary>
internal sealed partial class GatewaySnapshotSource : IProxyConfigProvider, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly string _environmentName;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<GatewaySnapshotSource> _logger;
    private readonly Lock _reloadGate = new();
    private readonly IDisposable _reloadRegistration;
    private volatile GatewaySnapshot _current;
    private volatile ProxyConfig _proxyConfig;
    private volatile string? _refusedReload;

    public GatewaySnapshotSource(GatewaySnapshot initial, IConfiguration configuration, IHostEnvironment environment, GatewayMetrics metrics, ILogger<GatewaySnapshotSource> logger)
    {
        if (!initial.IsValid)
        {
            throw new GatewayConfigurationException(initial.Errors);
        }

        _current = initial;
        _proxyConfig = new ProxyConfig(initial);
        _configuration = configuration;
        _environmentName = environment.EnvironmentName;
        _metrics = metrics;
        _logger = logger;
        foreach (var warning in initial.Warnings)
        {
            Log.Warning(logger, warning);
        }

        _reloadRegistration = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Raised after a new snapshot was put in force (on the reloading thread).</summary>
    public event Action<GatewaySnapshot>? Changed;

    /// <summary>The configuration in force.</summary>
    public GatewaySnapshot Current => _current;

    /// <summary>Why the last reload was refused (every problem), or null when the last reload applied.</summary>
    public string? RefusedReload => _refusedReload;

    public IProxyConfig GetConfig() => _proxyConfig;

    public void Dispose() => _reloadRegistration.Dispose();

    /// <summary>Builds a snapshot from the configuration as it is now and puts it in force if it is valid.</summary>
    public void Reload()
    {
        lock (_reloadGate)
        {
            var next = GatewaySnapshotBuilder.Build(_configuration, _environmentName);
            if (!next.IsValid)
            {
                // A saved file fires its change token more than once: the same refusal is logged and counted once.
                var message = string.Join(" ", next.Errors);
                if (message != _refusedReload)
                {
                    _refusedReload = message;
                    _metrics.ConfigReload(GatewayMetrics.ReloadRefused);
                    Log.ReloadRefused(_logger, next.Errors.Count, string.Concat(next.Errors.Select(e => Environment.NewLine + " - " + e)));
                }

                return;
            }

            var previous = _current;
            var restartNeeded = previous.StartupSettingsChangedIn(next);
            if (restartNeeded.Count > 0)
            {
                Log.RestartNeeded(_logger, string.Join(", ", restartNeeded));
            }

            foreach (var warning in next.Warnings.Except(previous.Warnings))
            {
                Log.Warning(_logger, warning);
            }

            // Settings read only at start-up stay as they run until the restart; everything else is the new file's.
            _current = next with
            {
                Gateway = previous.Gateway,
                TrustedProxies = previous.TrustedProxies,
                Deduplication = previous.Deduplication,
                RedisConnectionString = previous.RedisConnectionString,
                Queue = previous.Queue,
                PostgresConnectionString = previous.PostgresConnectionString,
                StartupSettings = previous.StartupSettings,
            };
            _refusedReload = null;

            var old = _proxyConfig;
            _proxyConfig = new ProxyConfig(next);
            old.SignalChange();
            _metrics.ConfigReload(GatewayMetrics.ReloadApplied);
            Log.Reloaded(_logger, next.Policies.Count, next.Routes.Count);
            Changed?.Invoke(_current);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The token source is never disposed: YARP may still look at the token after it fired.")]
    private sealed class ProxyConfig : IProxyConfig
    {
        private readonly CancellationTokenSource _changed = new();

        public ProxyConfig(GatewaySnapshot snapshot)
        {
            Routes = snapshot.ProxyRoutes;
            Clusters = snapshot.ProxyClusters;
            ChangeToken = new CancellationChangeToken(_changed.Token);
        }

        public IReadOnlyList<RouteConfig> Routes { get; }

        public IReadOnlyList<ClusterConfig> Clusters { get; }

        public IChangeToken ChangeToken { get; }

        public void SignalChange() => _changed.Cancel();
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Error, "Configuration reload refused ({ErrorCount} problems); nothing of it applies and the last good configuration stays in force:{Errors}")]
        public static partial void ReloadRefused(ILogger logger, int errorCount, string errors);

        [LoggerMessage(1002, LogLevel.Information, "Configuration reloaded: {PolicyCount} policies, {RouteCount} routes.")]
        public static partial void Reloaded(ILogger logger, int policyCount, int routeCount);

        [LoggerMessage(1004, LogLevel.Warning, "{Warning}")]
        public static partial void Warning(ILogger logger, string warning);

        [LoggerMessage(1005, LogLevel.Warning, "Configuration reloaded, but these settings are read only at start-up and apply at the next restart: {Keys}.")]
        public static partial void RestartNeeded(ILogger logger, string keys);
    }
}
