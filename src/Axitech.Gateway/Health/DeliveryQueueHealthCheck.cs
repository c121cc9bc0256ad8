using Axitech.Gateway.Configuration;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>
/// Ready when no route queues its deliveries (the store is not touched then), or when the delivery store answers
/// within 2 seconds and fewer than <see cref="DeliveryQueueOptions.MaxPendingAcceptances"/> acceptances wait for a
/// commit: otherwise queued routes answer 503 and nothing is delivered. Unhealthy, not degraded, when the acceptances
/// are at their bound: this replica then refuses every queued delivery, so a balancer should send them elsewhere.
/// </summary>
internal sealed class DeliveryQueueHealthCheck : IHealthCheck
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
    private readonly GatewaySnapshotSource _snapshots;
    private readonly IServiceProvider _services;

    // The store is resolved only when a route queues, so that a gateway without queued routes never creates it.
    public DeliveryQueueHealthCheck(GatewaySnapshotSource snapshots, IServiceProvider services)
    {
        _snapshots = snapshots;
        _services = services;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!_snapshots.Current.HasQueuedRoutes)
        {
            return HealthCheckResult.Healthy("No route queues its deliveries.");
        }

        var store = _services.GetRequiredService<IDeliveryStore>();
        var limit = _services.GetRequiredService<DeliveryQueueOptions>().MaxPendingAcceptances;
        if (store.PendingAcceptances >= limit)
        {
            return HealthCheckResult.Unhealthy(
                $"{limit} acceptances wait for a commit by the {store.Name} delivery store (Webhooks:Queue:MaxPendingAcceptances): queued routes answer 503 (queue_unavailable) until it catches up.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            return await store.PingAsync(timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false)
                ? HealthCheckResult.Healthy($"The {store.Name} delivery store answers.")
                : HealthCheckResult.Unhealthy($"The {store.Name} delivery store does not answer: queued routes answer 503 (queue_unavailable) and nothing is delivered.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The {store.Name} delivery store did not answer within {_timeout.TotalSeconds} seconds.");
        }
    }
}
