using System.Collections.Concurrent;
using Polly.Contrib.WaitAndRetry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The workers of one queued route: lease due deliveries (oldest first, as many as there are free slots of
/// <see cref="DeliveryQueueOptions.MaxConcurrency"/>), attempt each on its own task, and sleep until something can have
/// changed: a delivery accepted for the route or an attempt finished (both <see cref="DeliverySignals"/>), the next
/// delivery falling due (<see cref="IDeliveryStore.GetNextDueAsync"/>, a retry or an expired lease), or at the latest
/// <see cref="DeliveryQueueOptions.PollInterval"/>, which bounds how late it sees what another replica or the
/// <c>deliveries</c> command changed. A store that does not answer is retried with backoff, logged once a minute.
/// </summary>
internal sealed partial class RouteDeliveryLoop : IDisposable
{
    /// <summary>The shortest sleep after a round that leased nothing, though the store says something is due (rows another replica holds locked).</summary>
    private static readonly TimeSpan _minWait = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan _firstStoreRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _lastStoreRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _storeLogInterval = TimeSpan.FromMinutes(1);

    private readonly string _routeId;
    private readonly string _owner;
    private readonly IDeliveryStore _store;
    private readonly DeliveryAttempts _attempts;
    private readonly DeliverySignals _signals;
    private readonly DeliveryQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationToken _abort;
    private readonly CancellationTokenSource _taking = new();
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private int _inFlight;
    private Task _completion = Task.CompletedTask;

    // abort cuts off the attempts under way (the drain timeout has passed).
    public RouteDeliveryLoop(
        string routeId,
        string owner,
        IDeliveryStore store,
        DeliveryAttempts attempts,
        DeliverySignals signals,
        DeliveryQueueOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        CancellationToken abort)
    {
        _routeId = routeId;
        _owner = owner;
        _store = store;
        _attempts = attempts;
        _signals = signals;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _abort = abort;
    }

    public string RouteId => _routeId;

    /// <summary>Attempts under way.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes once the loop has stopped taking deliveries and its attempts under way have ended.</summary>
    public Task Completion => _completion;

    public void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Takes no more deliveries; the attempts under way go on (until <c>abort</c>).</summary>
    public void StopTaking() => _taking.Cancel();

    public void Dispose() => _taking.Dispose();

    private async Task RunAsync()
    {
        Log.Started(_logger, _routeId, _options.MaxConcurrency);
        var stopping = _taking.Token;
        var failures = 0;
        DateTimeOffset? lastLogged = null;
        while (!stopping.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await LeaseAsync().ConfigureAwait(false);
                if (failures > 0)
                {
                    Log.StoreRecovered(_logger, _routeId, _store.Name);
                    failures = 0;
                    lastLogged = null;
                }
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The store failed or something unforeseen did: logged (type only), retried with backoff; the loop must go on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                wait = StoreRetryDelay(failures);
                var now = _timeProvider.GetUtcNow();
                if (lastLogged is null || now - lastLogged >= _storeLogInterval)
                {
                    lastLogged = now;
                    Log.StoreFailed(_logger, _routeId, _store.Name, ex.GetType().Name, wait.TotalSeconds);
                }
            }

            try
            {
                await _signals.WaitAsync(_routeId, wait, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Stopped taking: the attempts under way finish, or are cut off by abort.
        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        Log.Stopped(_logger, _routeId);
    }

    /// <summary>Leases what is due into the free slots, starts each attempt, and returns how long to sleep.</summary>
    private async Task<TimeSpan> LeaseAsync()
    {
        var free = _options.MaxConcurrency - InFlight;
        if (free <= 0)
        {
            // Every slot is busy: a finished attempt wakes the loop.
            return _options.PollInterval;
        }

        // Not cancelled by stopping: a lease taken in the store is always attempted (or released at shutdown).
        var leased = await _store.LeaseDueAsync(_routeId, free, _owner, _options.Lease, _abort).ConfigureAwait(false);
        foreach (var delivery in leased)
        {
            StartAttempt(delivery);
        }

        if (leased.Count == free)
        {
            return _options.PollInterval;
        }

        var next = await _store.GetNextDueAsync(_routeId, _abort).ConfigureAwait(false);
        if (next is null)
        {
            return _options.PollInterval;
        }

        var wait = next.Value - _timeProvider.GetUtcNow();
        var floor = leased.Count == 0 ? _minWait : TimeSpan.Zero;
        return wait < floor ? floor : wait > _options.PollInterval ? _options.PollInterval : wait;
    }

    private void StartAttempt(LeasedDelivery delivery)
    {
        Interlocked.Increment(ref _inFlight);
        var attempt = Task.Run(async () =>
        {
            try
            {
                await _attempts.RunAsync(_store, _routeId, delivery, _abort).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Not expected (an attempt records its own failures); logged so that it is not lost, and the slot is freed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.AttemptFailed(_logger, delivery.Lease.Id, _routeId, ex.GetType().Name);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                _signals.Notify(_routeId);
            }
        });
        _running.TryAdd(attempt, true);
        attempt.ContinueWith(static (task, running) => ((ConcurrentDictionary<Task, bool>)running!).TryRemove(task, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>1 s, 2 s, 4 s ... 30 s: Polly's exponential backoff, capped.</summary>
    private static TimeSpan StoreRetryDelay(int failures)
    {
        var delay = Backoff.ExponentialBackoff(_firstStoreRetry, Math.Min(failures, 8)).Last();
        return delay < _lastStoreRetry ? delay : _lastStoreRetry;
    }

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Information, "Delivering the queued deliveries of route {RouteId}, {MaxConcurrency} at a time.")]
        public static partial void Started(ILogger logger, string routeId, int maxConcurrency);

        [LoggerMessage(4102, LogLevel.Information, "Stopped delivering the queued deliveries of route {RouteId}.")]
        public static partial void Stopped(ILogger logger, string routeId);

        [LoggerMessage(4103, LogLevel.Warning, "The workers of route {RouteId} cannot read the {Store} delivery store ({ExceptionType}): nothing of the route is delivered meanwhile; they try again in {DelaySeconds} s (logged at most once a minute).")]
        public static partial void StoreFailed(ILogger logger, string routeId, string store, string exceptionType, double delaySeconds);

        [LoggerMessage(4104, LogLevel.Information, "The workers of route {RouteId} read the {Store} delivery store again.")]
        public static partial void StoreRecovered(ILogger logger, string routeId, string store);

        [LoggerMessage(4117, LogLevel.Error, "An attempt of delivery {DeliveryId} of route {RouteId} failed unexpectedly ({ExceptionType}); the delivery is attempted again once its lease expires.")]
        public static partial void AttemptFailed(ILogger logger, Guid deliveryId, string routeId, string exceptionType);
    }
}
