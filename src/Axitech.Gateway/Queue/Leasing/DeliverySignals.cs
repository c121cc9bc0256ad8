using System.Collections.Concurrent;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Wakes a route's workers when a delivery was accepted for it, so that a new delivery does not wait for the next
/// timer; the workers also wake on their own when a retry falls due. Never a tight loop: a signal only ends a wait.
/// </summary>
internal sealed class DeliverySignals
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _routes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Says that <paramref name="routeId"/> has a delivery due now.</summary>
    public void Notify(string routeId)
    {
        try
        {
            Of(routeId).Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up covers every delivery accepted meanwhile.
        }
    }

    /// <summary>Waits for a notification of <paramref name="routeId"/>, at most <paramref name="timeout"/> by <paramref name="timeProvider"/>'s clock.</summary>
    public async Task<bool> WaitAsync(string routeId, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // The timeout as a cancellation, so that a wait that timed out leaves no waiter behind to swallow a later signal.
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, cancellationToken);
        try
        {
            await Of(routeId).WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private SemaphoreSlim Of(string routeId) => _routes.GetOrAdd(routeId, static _ => new SemaphoreSlim(0, 1));
}
