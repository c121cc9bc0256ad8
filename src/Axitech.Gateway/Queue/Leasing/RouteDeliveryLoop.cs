using System.Collections.Concurrent;
using Polly.Contrib.WaitAndRetry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The workers of one queued route, a small state machine (<see cref="RouteState"/>): <c>delivering</c>, it leases due
/// deliveries (oldest first) into the free slots of its concurrency (route metadata <c>WebhookDeliveryConcurrency</c>,
/// else <see cref="DeliveryQueueOptions.MaxConcurrency"/>) as its pace allows (<see cref="RoutePacer"/>), and attempts
/// each on its own task; <c>backing_off</c> (<see cref="RouteBackoff"/>: every attempt failed), it leases one delivery per
/// backoff step as a probe; <c>paused</c> (<see cref="RoutePauses"/>), it leases nothing. A delivery older than
/// <see cref="DeliveryRetryOptions.MaxAge"/> is dead-lettered while the route backs off or is paused, as it would be by
/// its next attempt. Between rounds it sleeps until something can have changed: a delivery accepted for the route, an
/// attempt finished or an operator's action (all <see cref="DeliverySignals"/>), the next delivery or probe falling
/// due, or at the latest <see cref="DeliveryQueueOptions.PollInterval"/>. A store that does not answer is retried with
/// backoff, logged once a minute.
/// </summary>
internal sealed partial class RouteDeliveryLoop : IDisposable
{
    /// <summary>The shortest sleep after a round that leased nothing, though the store says something is due (rows another replica holds locked).</summary>
    private static readonly TimeSpan _minWait = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan _firstStoreRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _lastStoreRetry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _storeLogInterval = TimeSpan.FromMinutes(1);

    /// <summary>How often, at most, deliveries past MaxAge are looked for while nothing attempts them.</summary>
    private static readonly TimeSpan _expiryInterval = TimeSpan.FromSeconds(1);

    private readonly string _routeId;
    private readonly string _owner;
    private readonly RouteWorkerContext _context;
    private readonly RouteBackoff _backoff;
    private readonly CancellationToken _abort;
    private readonly CancellationTokenSource _taking = new();
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private RoutePacer? _pacer;
    private DateTimeOffset _lastExpiry = DateTimeOffset.MinValue;
    private DateTimeOffset? _backoffSince;
    private int _inFlight;
    private long _rounds;
    private volatile int _state = (int)RouteState.Delivering;
    private Task _completion = Task.CompletedTask;

    // abort cuts off the attempts under way (the drain timeout has passed).
    public RouteDeliveryLoop(string routeId, string owner, RouteWorkerContext context, CancellationToken abort)
    {
        _routeId = routeId;
        _owner = owner;
        _context = context;
        _backoff = new RouteBackoff(context.Policy);
        _abort = abort;
    }

    private IDeliveryStore Store => _context.Store;

    private DeliveryQueueOptions Options => _context.Options;

    private TimeProvider TimeProvider => _context.TimeProvider;

    private ILogger Logger => _context.Logger;

    /// <summary>The route's state as this replica sees it.</summary>
    public RouteState State => (RouteState)_state;

    /// <summary>Rounds the loop has finished (each a look at the store), for tests that wait for one.</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    public string RouteId => _routeId;

    /// <summary>Attempts under way.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Completes once the loop has stopped taking deliveries and its attempts under way have ended.</summary>
    public Task Completion => _completion;

    public void Start() => _completion = Task.Run(RunAsync);

    /// <summary>Takes no more deliveries; the attempts under way go on (until <c>abort</c>).</summary>
    public void StopTaking() => _taking.Cancel();

    public void Dispose()
    {
        _taking.Dispose();
        _pacer?.Dispose();
    }

    private async Task RunAsync()
    {
        Log.Started(Logger, _routeId, _context.Snapshots.Current.Routes.GetValueOrDefault(_routeId)?.DeliveryConcurrency ?? Options.MaxConcurrency);
        SetState(RouteState.Delivering);
        var stopping = _taking.Token;
        var failures = 0;
        DateTimeOffset? lastLogged = null;
        while (!stopping.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await RoundAsync().ConfigureAwait(false);
                Interlocked.Increment(ref _rounds);
                if (failures > 0)
                {
                    Log.StoreRecovered(Logger, _routeId, Store.Name);
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
                var now = TimeProvider.GetUtcNow();
                if (lastLogged is null || now - lastLogged >= _storeLogInterval)
                {
                    lastLogged = now;
                    Log.StoreFailed(Logger, _routeId, Store.Name, ex.GetType().Name, wait.TotalSeconds);
                }
            }

            try
            {
                await _context.Signals.WaitAsync(_routeId, wait, TimeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Stopped taking: the attempts under way finish, or are cut off by abort.
        await Task.WhenAll(_running.Keys).ConfigureAwait(false);
        _context.Metrics.QueueRouteStopped(_routeId);
        Log.Stopped(Logger, _routeId);
    }

    private void StartAttempt(LeasedDelivery delivery, bool probe)
    {
        Interlocked.Increment(ref _inFlight);
        var attempt = Task.Run(async () =>
        {
            try
            {
                await _context.Attempts.RunAsync(Store, _routeId, delivery, _backoff, probe, _abort).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Not expected (an attempt records its own failures); logged so that it is not lost, and the slot is freed.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.AttemptFailed(Logger, delivery.Lease.Id, _routeId, ex.GetType().Name);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                _context.Signals.Notify(_routeId);
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

        [LoggerMessage(4119, LogLevel.Warning, "Route {RouteId} is backing off: its last {Failures} attempts failed on every destination, {Pending} deliveries are pending. One delivery is tried per backoff step (the next in {DelaySeconds} s); nothing is dead-lettered for it before Webhooks:Queue:Retry:MaxAge.")]
        public static partial void BackingOff(ILogger logger, string routeId, int failures, long pending, double delaySeconds);

        [LoggerMessage(4120, LogLevel.Information, "Route {RouteId} recovered after backing off for {OutageSeconds} s: {Pending} pending deliveries drain now, oldest first.")]
        public static partial void Recovered(ILogger logger, string routeId, double outageSeconds, long pending);

        [LoggerMessage(4121, LogLevel.Warning, "Dead-lettered {Count} deliveries of route {RouteId} older than Webhooks:Queue:Retry:MaxAge ({MaxAgeHours} h) while the route was backing off or paused (max_age); deliveries replay --dead --error max_age sends them again.")]
        public static partial void Expired(ILogger logger, string routeId, int count, double maxAgeHours);

        [LoggerMessage(4117, LogLevel.Error, "An attempt of delivery {DeliveryId} of route {RouteId} failed unexpectedly ({ExceptionType}); the delivery is attempted again once its lease expires.")]
        public static partial void AttemptFailed(ILogger logger, Guid deliveryId, string routeId, string exceptionType);
    }
}
