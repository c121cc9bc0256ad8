using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Axitech.Gateway.Health;

/// <summary>
/// Not ready when a cluster with YARP active health checks has no healthy destination. Clusters without active
/// health checks are not judged (their destinations' health is unknown, not bad).
/// </summary>
internal sealed class DestinationHealthCheck : IHealthCheck
{
    private readonly IProxyStateLookup _proxyState;

    public DestinationHealthCheck(IProxyStateLookup proxyState) => _proxyState = proxyState;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var unhealthy = new List<string>();
        var checkedClusters = 0;
        foreach (var cluster in _proxyState.GetClusters())
        {
            if (cluster.Model.Config.HealthCheck?.Active?.Enabled != true)
            {
                continue;
            }

            checkedClusters++;
            var destinations = cluster.Destinations.Values;
            if (destinations.Count > 0 && destinations.All(d => d.Health.Active == DestinationHealth.Unhealthy))
            {
                unhealthy.Add(cluster.ClusterId);
            }
        }

        return Task.FromResult(unhealthy.Count > 0
            ? HealthCheckResult.Unhealthy($"No healthy destination in cluster(s): {string.Join(", ", unhealthy)}.")
            : HealthCheckResult.Healthy($"{checkedClusters} cluster(s) with active health checks have a healthy destination."));
    }
}
