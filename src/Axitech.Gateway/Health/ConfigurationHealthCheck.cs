using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>Ready when a valid configuration with at least one route is in force.</summary>
internal sealed class ConfigurationHealthCheck : IHealthCheck
{
    private readonly WebhookPolicyCatalog _catalog;

    public ConfigurationHealthCheck(WebhookPolicyCatalog catalog) => _catalog = catalog;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = _catalog.Current;
        if (current.RoutePolicies.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No webhook routes are configured under ReverseProxy:Routes."));
        }

        var description = $"{current.RoutePolicies.Count} routes, {current.Policies.Count} policies.";
        return Task.FromResult(_catalog.RefusedReload is { } refused
            ? HealthCheckResult.Degraded($"{description} The last reload was refused and the previous configuration stays in force: {refused}")
            : HealthCheckResult.Healthy(description));
    }
}
