using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>
/// Ready when a valid configuration with at least one route is in force. After a refused reload it stays ready (the last
/// good configuration serves) and says why the reload was refused.
/// </summary>
internal sealed class ConfigurationHealthCheck : IHealthCheck
{
    private readonly GatewaySnapshotSource _snapshots;

    public ConfigurationHealthCheck(GatewaySnapshotSource snapshots) => _snapshots = snapshots;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = _snapshots.Current;
        if (current.Routes.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No webhook routes are configured under ReverseProxy:Routes."));
        }

        var description = $"{current.Routes.Count} routes, {current.Policies.Count} policies.";
        return Task.FromResult(_snapshots.RefusedReload is { } refused
            ? HealthCheckResult.Degraded($"{description} The last reload was refused and the previous configuration stays in force: {refused}")
            : HealthCheckResult.Healthy(description));
    }
}
