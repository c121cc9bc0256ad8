using Axitech.Gateway.Configuration;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// While a route queues its deliveries: reads the queue's counts from the store every
/// <see cref="DeliveryQueueOptions.PollInterval"/> (at least every 10 seconds) for the gauges, which also say whether the
/// store answered, and purges it once a minute (delivered rows past their duplicate window, dead ones past
/// <see cref="DeliveryQueueOptions.DeadRetention"/>). Without queued routes it never touches the store.
/// </summary>
internal sealed partial class QueueMonitor : BackgroundService
{
    private static readonly TimeSpan _maxStatsInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan _purgeInterval = TimeSpan.FromMinutes(1);

    private readonly GatewaySnapshotSource _snapshots;
    private readonly IServiceProvider _services;
    private readonly GatewayMetrics _metrics;
    private readonly DeliveryQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<QueueMonitor> _logger;

    public QueueMonitor(GatewaySnapshotSource snapshots, IServiceProvider services, GatewayMetrics metrics, DeliveryQueueOptions options, TimeProvider timeProvider, ILogger<QueueMonitor> logger)
    {
        _snapshots = snapshots;
        _services = services;
        _metrics = metrics;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var interval = _options.PollInterval < _maxStatsInterval ? _options.PollInterval : _maxStatsInterval;
        using var timer = new PeriodicTimer(interval, _timeProvider);
        IDeliveryStore? store = null;
        var lastPurge = DateTimeOffset.MinValue;
        bool? answered = null;
        try
        {
            do
            {
                var snapshot = _snapshots.Current;
                if (!snapshot.HasQueuedRoutes)
                {
                    _metrics.QueueNotObserved();
                    continue;
                }

                store ??= _services.GetRequiredService<IDeliveryStore>();
                var queued = snapshot.Routes.Values.Where(r => r.Delivery == WebhookDeliveryMode.Queue).Select(r => r.RouteId).ToList();
                try
                {
                    _metrics.QueueObserved(queued, await store.GetStatsAsync(stoppingToken).ConfigureAwait(false));
                    if (answered == false)
                    {
                        Log.StoreAnswers(_logger, store.Name);
                    }

                    answered = true;
                    var now = _timeProvider.GetUtcNow();
                    if (now - lastPurge >= _purgeInterval)
                    {
                        lastPurge = now;
                        var purged = await store.PurgeAsync(stoppingToken).ConfigureAwait(false);
                        if (purged.Delivered + purged.Dead > 0)
                        {
                            Log.Purged(_logger, purged.Delivered, purged.Dead);
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
#pragma warning disable CA1031 // The store did not answer (or failed oddly): reported by the gauge and logged once; looked at again next tick.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _metrics.QueueObserved(queued, null);
                    if (answered != false)
                    {
                        Log.StoreSilent(_logger, store.Name, ex.GetType().Name);
                    }

                    answered = false;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4114, LogLevel.Warning, "The {Store} delivery store does not answer ({ExceptionType}): queued routes answer 503 and nothing is delivered until it does (axitech_gateway_queue_store_up is 0).")]
        public static partial void StoreSilent(ILogger logger, string store, string exceptionType);

        [LoggerMessage(4115, LogLevel.Information, "The {Store} delivery store answers again.")]
        public static partial void StoreAnswers(ILogger logger, string store);

        [LoggerMessage(4116, LogLevel.Information, "Purged the delivery queue: {Delivered} delivered deliveries past their duplicate window, {Dead} dead ones past Webhooks:Queue:DeadRetention.")]
        public static partial void Purged(ILogger logger, int delivered, int dead);
    }
}
