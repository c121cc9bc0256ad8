namespace Axitech.Gateway.Queue;

/// <summary>
/// Which routes are paused, as the store says: read once and kept until the store changed
/// (<see cref="IDeliveryStore.WatchChangesAsync"/> calls <see cref="Invalidate"/>) or <see cref="DeliveryQueueOptions.PollInterval"/>
/// passed, so that the workers need not ask at every lease. Until the first read succeeds every route counts as paused:
/// a restarted gateway never delivers a paused route's deliveries because it has not looked yet.
/// </summary>
internal sealed class RoutePauses : IDisposable
{
    private readonly IDeliveryStore _store;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Dictionary<string, RoutePause>? _paused;
    private DateTimeOffset _readAt;
    private volatile bool _stale = true;

    public RoutePauses(IDeliveryStore store, TimeSpan maxAge, TimeProvider timeProvider)
    {
        _store = store;
        _maxAge = maxAge;
        _timeProvider = timeProvider;
    }

    /// <summary>The store changed: read it again before the next answer.</summary>
    public void Invalidate() => _stale = true;

    /// <summary>Whether <paramref name="routeId"/> is paused; throws <see cref="DeliveryStoreUnavailableException"/> when the store cannot say.</summary>
    public async Task<bool> IsPausedAsync(string routeId, CancellationToken cancellationToken)
    {
        if (_stale || _paused is null || _timeProvider.GetUtcNow() - _readAt >= _maxAge)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_stale || _paused is null || _timeProvider.GetUtcNow() - _readAt >= _maxAge)
                {
                    _stale = false;
                    var paused = await _store.GetPausedAsync(cancellationToken).ConfigureAwait(false);
                    _paused = paused.ToDictionary(p => p.RouteId, StringComparer.OrdinalIgnoreCase);
                    _readAt = _timeProvider.GetUtcNow();
                }
            }
            catch
            {
                _stale = true;
                throw;
            }
            finally
            {
                _gate.Release();
            }
        }

        return _paused!.ContainsKey(routeId);
    }

    public void Dispose() => _gate.Dispose();
}
