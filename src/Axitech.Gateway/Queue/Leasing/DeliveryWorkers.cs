using System.Globalization;
using System.Security.Cryptography;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Runs a <see cref="RouteDeliveryLoop"/> for each route whose metadata says <c>WebhookDelivery: Queue</c>, and
/// follows the configuration: a reload that queues a route starts its loop, one that no longer does stops it (its
/// attempts under way finish; what it left pending waits in the store and shows in the queue's metrics). The store is
/// first touched when a route queues, so a gateway without queued routes never creates one.
/// </summary>
/// <remarks>
/// Shutdown (SIGTERM): as soon as the host starts stopping, no loop takes another delivery; the attempts under way
/// have until <c>Gateway:DrainTimeout</c> (the host's shutdown timeout) to finish and be recorded; any still running
/// then are cut off, and every lease this process holds is released, so another instance (or the next start) attempts
/// them at once instead of after <see cref="DeliveryQueueOptions.Lease"/>. A process that dies without stopping
/// leaves its leases to expire.
/// </remarks>
internal sealed partial class DeliveryWorkers : IHostedService, IDisposable
{
    /// <summary>How long releasing the leases may take at shutdown, past the drain timeout.</summary>
    private static readonly TimeSpan _releaseTimeout = TimeSpan.FromSeconds(5);

    private readonly GatewaySnapshotSource _snapshots;
    private readonly IServiceProvider _services;
    private readonly DeliveryAttempts _attempts;
    private readonly DeliveryRetryPolicy _policy;
    private readonly GatewayMetrics _metrics;
    private readonly DeliverySignals _signals;
    private readonly DeliveryQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<DeliveryWorkers> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RouteDeliveryLoop> _loops = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RouteDeliveryLoop> _retired = [];
    private readonly CancellationTokenSource _abort = new();
    private CancellationTokenRegistration _stoppingRegistration;
    private IDeliveryStore? _store;
    private RouteWorkerContext? _context;
    private Task _watching = Task.CompletedTask;
    private bool _stopping;
    private bool _stopped;

    public DeliveryWorkers(
        GatewaySnapshotSource snapshots,
        IServiceProvider services,
        DeliveryAttempts attempts,
        DeliveryRetryPolicy policy,
        GatewayMetrics metrics,
        DeliverySignals signals,
        DeliveryQueueOptions options,
        TimeProvider timeProvider,
        IHostApplicationLifetime lifetime,
        ILogger<DeliveryWorkers> logger)
    {
        _snapshots = snapshots;
        _services = services;
        _attempts = attempts;
        _policy = policy;
        _metrics = metrics;
        _signals = signals;
        _options = options;
        _timeProvider = timeProvider;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>
    /// The lease owner of this process: unique among every process that ever shares the store (host name, process id
    /// and random bits, as a restarted container may get the same name and pid), so that a lease of a dead process is
    /// never mistaken for one of a live one.
    /// </summary>
    public string Owner { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{RandomNumberGenerator.GetHexString(12, lowercase: true)}");

    /// <summary>The routes whose loops run now (for tests and diagnostics).</summary>
    public IReadOnlyList<string> Routes
    {
        get
        {
            lock (_gate)
            {
                return [.. _loops.Keys];
            }
        }
    }

    /// <summary>The state of a route's workers and how many rounds they made (for tests and diagnostics); null when the route does not queue.</summary>
    public (RouteState State, long Rounds)? RouteStatus(string routeId)
    {
        lock (_gate)
        {
            return _loops.TryGetValue(routeId, out var loop) ? (loop.State, loop.Rounds) : null;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Before any service stops: the loops stop taking work while Kestrel drains its requests.
        _stoppingRegistration = _lifetime.ApplicationStopping.Register(StopTaking);
        _snapshots.Changed += Reconcile;
        Reconcile(_snapshots.Current);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        RouteDeliveryLoop[] loops;
        lock (_gate)
        {
            // A host stopped twice stops its workers once.
            if (_stopped)
            {
                return;
            }

            _stopped = true;
        }

        StopTaking();
        _snapshots.Changed -= Reconcile;
        lock (_gate)
        {
            loops = [.. _loops.Values, .. _retired];
        }

        var finished = Task.WhenAll(loops.Select(l => l.Completion));
        var cutOff = 0;
        try
        {
            await finished.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cutOff = loops.Sum(l => l.InFlight);
            await _abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await finished.WaitAsync(_releaseTimeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Leases still held are released below all the same; their attempts no longer send anything.
            }
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var released = 0;
        if (_store is not null)
        {
            using var timeout = new CancellationTokenSource(_releaseTimeout, _timeProvider);
            try
            {
                released = await _store.ReleaseLeasesAsync(Owner, timeout.Token).ConfigureAwait(false);

                // This replica's view of its routes ends with it.
                await _store.ClearBackoffReportsAsync(Owner, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DeliveryStoreUnavailableException or OperationCanceledException)
            {
                Log.ReleaseFailed(_logger, _store.Name, ex.GetType().Name, _options.Lease.TotalSeconds);
            }
        }

        if (loops.Length > 0)
        {
            Log.Drained(_logger, cutOff, released);
        }
    }

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        lock (_gate)
        {
            foreach (var loop in _loops.Values.Concat(_retired))
            {
                loop.Dispose();
            }
        }

        _context?.Pauses.Dispose();

        _abort.Dispose();
    }

    private void StopTaking()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            foreach (var loop in _loops.Values)
            {
                loop.StopTaking();
            }
        }
    }

    /// <summary>Starts the loops of routes that queue now and stops those of routes that no longer do.</summary>
    private void Reconcile(GatewaySnapshot snapshot)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            var queued = snapshot.Routes.Values
                .Where(r => r.Delivery == WebhookDeliveryMode.Queue)
                .Select(r => r.RouteId)
                .ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var loop in _loops.Values.Where(l => !queued.Contains(l.RouteId)).ToList())
            {
                loop.StopTaking();
                _loops.Remove(loop.RouteId);
                _retired.Add(loop);
            }

            foreach (var done in _retired.Where(l => l.Completion.IsCompleted).ToList())
            {
                done.Dispose();
                _retired.Remove(done);
            }

            foreach (var routeId in queued.Where(r => !_loops.ContainsKey(r)))
            {
                var loop = new RouteDeliveryLoop(routeId, Owner, _context ??= CreateContext(), _abort.Token);
                _loops.Add(routeId, loop);
                loop.Start();
            }
        }
    }

    /// <summary>The store, first touched when a route queues, and a watch on it for operators' actions.</summary>
    private RouteWorkerContext CreateContext()
    {
        var store = _store = _services.GetRequiredService<IDeliveryStore>();
        var pauses = new RoutePauses(store, _options.PollInterval, _timeProvider);
        _watching = Task.Run(() => store.WatchChangesAsync(
            () =>
            {
                pauses.Invalidate();

                // Each running loop by name, so that a loop between its read of the pauses and its first wait is woken too.
                foreach (var routeId in Routes)
                {
                    _signals.Notify(routeId);
                }
            },
            _abort.Token));
        return new RouteWorkerContext(store, _attempts, _policy, _signals, pauses, _snapshots, _metrics, _options, _timeProvider, _logger);
    }

    private static partial class Log
    {
        [LoggerMessage(4112, LogLevel.Information, "Delivery workers stopped: {CutOff} attempts were cut off at Gateway:DrainTimeout, {Released} leases released for another attempt.")]
        public static partial void Drained(ILogger logger, int cutOff, int released);

        [LoggerMessage(4113, LogLevel.Warning, "The delivery workers could not release their leases in the {Store} delivery store ({ExceptionType}): the deliveries they held are attempted again once their leases expire ({LeaseSeconds} s).")]
        public static partial void ReleaseFailed(ILogger logger, string store, string exceptionType, double leaseSeconds);
    }
}
