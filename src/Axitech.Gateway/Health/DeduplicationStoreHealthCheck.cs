using Axitech.Gateway.Deduplication;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>Ready when the duplicate store answers (within 2 seconds).</summary>
internal sealed class DeduplicationStoreHealthCheck : IHealthCheck
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);
    private readonly IDeduplicationStore _store;

    public DeduplicationStoreHealthCheck(IDeduplicationStore store) => _store = store;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            return await _store.PingAsync(timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false)
                ? HealthCheckResult.Healthy($"The {_store.Name} duplicate store answers.")
                : HealthCheckResult.Unhealthy($"The {_store.Name} duplicate store does not answer: deliveries are refused with 503 (or forwarded unprotected where a policy says OnStoreUnavailable = Forward).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The {_store.Name} duplicate store did not answer within {_timeout.TotalSeconds} seconds.");
        }
    }
}
