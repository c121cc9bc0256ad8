using System.Diagnostics;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Telemetry;
using Polly;
using Polly.Retry;

namespace Axitech.Gateway.Queue;

/// <summary>
/// One attempt of a leased delivery, end to end: send it (<see cref="DeliverySender"/>), decide what follows
/// (<see cref="DeliveryRetryPolicy"/>), settle it with the lease it was leased with, and count, trace and log it. Logs
/// and spans carry the route, the delivery's id, the attempt and short codes; never a body, a signature or a secret.
/// </summary>
internal sealed partial class DeliveryAttempts
{
    /// <summary>How long recording an attempt's result may take, retries included.</summary>
    private static readonly TimeSpan _settleTimeout = TimeSpan.FromSeconds(10);

    private readonly DeliverySender _sender;
    private readonly DeliveryRetryPolicy _policy;
    private readonly GatewaySnapshotSource _snapshots;
    private readonly GatewayMetrics _metrics;
    private readonly DeliveryQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DeliveryAttempts> _logger;
    private readonly ResiliencePipeline _settleRetry;

    public DeliveryAttempts(
        DeliverySender sender,
        DeliveryRetryPolicy policy,
        GatewaySnapshotSource snapshots,
        GatewayMetrics metrics,
        DeliveryQueueOptions options,
        TimeProvider timeProvider,
        ILogger<DeliveryAttempts> logger)
    {
        _sender = sender;
        _policy = policy;
        _snapshots = snapshots;
        _metrics = metrics;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;

        // A settle the store did not answer is tried again a few times: a 2xx not recorded would be delivered again
        // once the lease expires (at least once, but needlessly).
        _settleRetry = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<DeliveryStoreUnavailableException>(),
                MaxRetryAttempts = 4,
                Delay = TimeSpan.FromMilliseconds(250),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    /// <summary>
    /// Makes the attempt and records its result. Never throws; returns how the attempt ended (an aborted one, cut off
    /// by <paramref name="abort"/> at the drain timeout, is left leased for <see cref="IDeliveryStore.ReleaseLeasesAsync"/>).
    /// A <paramref name="probe"/> is an attempt made while the route backs off: when it fails it is not counted, and
    /// the delivery is due again at the next probe's time; what any attempt saw moves the route's <paramref name="backoff"/>.
    /// </summary>
    public async Task<AttemptOutcome> RunAsync(IDeliveryStore store, string routeId, LeasedDelivery leased, RouteBackoff backoff, bool probe, CancellationToken abort)
    {
        // A root span of its own, whatever the worker's task inherited.
        Activity.Current = null;
        var lease = leased.Lease;
        var delivery = leased.Delivery;
        using var activity = GatewayTelemetry.StartDelivery(routeId, lease.Id, lease.Attempt, delivery.TraceParent);

        var attemptedAt = _timeProvider.GetUtcNow();
        var started = _timeProvider.GetTimestamp();
        var result = await SendAsync(routeId, leased, abort).ConfigureAwait(false);
        var duration = _timeProvider.GetElapsedTime(started);
        if (result.Outcome == AttemptOutcome.Aborted)
        {
            GatewayTelemetry.SetDeliveryOutcome(activity, "aborted", null, null);
            Log.Aborted(_logger, lease.Id, routeId, lease.Attempt);
            return result.Outcome;
        }

        var now = _timeProvider.GetUtcNow();
        var settlement = Judge(result, leased, backoff, probe, now);
        var outcome = settlement.Kind switch
        {
            SettlementKind.Delivered => GatewayMetrics.AttemptDelivered,
            SettlementKind.Retry or SettlementKind.Probe => GatewayMetrics.AttemptRetried,
            _ => GatewayMetrics.AttemptDeadLettered,
        };
        GatewayTelemetry.SetDeliveryOutcome(activity, outcome, result.StatusCode, settlement.Code);

        var record = new AttemptRecord(attemptedAt, result.Destination, result.StatusCode, settlement.Kind == SettlementKind.Delivered ? null : settlement.Code, duration);
        if (await SettleAsync(store, lease, settlement, record).ConfigureAwait(false) is not { } settled)
        {
            Log.SettleFailed(_logger, lease.Id, routeId, lease.Attempt, outcome);
            return result.Outcome;
        }

        if (!settled)
        {
            Log.LeaseLost(_logger, lease.Id, routeId, lease.Attempt, outcome);
            return result.Outcome;
        }

        _metrics.QueueAttempt(routeId, outcome);
        switch (settlement.Kind)
        {
            case SettlementKind.Delivered:
                _metrics.QueueDeliveryLatency(routeId, _timeProvider.GetUtcNow() - delivery.ReceivedAt);
                Log.Delivered(_logger, lease.Id, routeId, lease.Attempt, result.StatusCode ?? 0);
                break;
            case SettlementKind.Retry:
                Log.Retried(_logger, lease.Id, routeId, lease.Attempt, settlement.Code, settlement.NextAttemptAt);
                break;
            case SettlementKind.Probe:
                Log.ProbeFailed(_logger, lease.Id, routeId, settlement.Code, settlement.NextAttemptAt);
                break;
            default:
                Log.DeadLettered(_logger, lease.Id, routeId, lease.Attempt, settlement.Code);
                break;
        }

        return result.Outcome;
    }

    /// <summary>
    /// What to record, and what the route learns: a failed probe moves the next probe a step on and its delivery with
    /// it (dead-lettered only past <see cref="DeliveryRetryOptions.MaxAge"/>); any other attempt is judged by the retry
    /// policy, and a retryable failure counts toward an outage.
    /// </summary>
    private Settlement Judge(AttemptResult result, LeasedDelivery leased, RouteBackoff backoff, bool probe, DateTimeOffset now)
    {
        switch (result.Outcome)
        {
            case AttemptOutcome.Retryable when probe:
                var next = backoff.ProbeFailed(now, result.RetryAfter);
                return next - leased.Delivery.ReceivedAt > _options.Retry.MaxAge
                    ? new Settlement(SettlementKind.DeadLetter, default, result.StatusCode, DeliveryErrors.MaxAge)
                    : new Settlement(SettlementKind.Probe, next, result.StatusCode, result.Error);
            case AttemptOutcome.Retryable:
                backoff.Failed(now, result.Destination, result.Candidates, result.RetryAfter);
                break;
            case AttemptOutcome.Acknowledged or AttemptOutcome.Rejected:
                backoff.Answered(now);
                break;
            default:
                // An unreadable body says nothing about the upstream.
                break;
        }

        return _policy.Decide(result, leased.Lease.Attempt, leased.Delivery.ReceivedAt, now);
    }

    private async Task<AttemptResult> SendAsync(string routeId, LeasedDelivery leased, CancellationToken abort)
    {
        if (leased.Delivery.Body is null)
        {
            return AttemptResult.BodyUnreadable;
        }

        if (!_snapshots.Current.Routes.TryGetValue(routeId, out var route))
        {
            // Removed by a reload just now: kept pending until the route is back (or replayed elsewhere).
            return AttemptResult.Failed(DeliveryErrors.NoDestination);
        }

        try
        {
            return await _sender.SendAsync(route, leased, _options.Lease, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return AttemptResult.Aborted;
        }
#pragma warning disable CA1031 // Whatever broke, the attempt failed and is tried again later; the worker goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.SendFailed(_logger, leased.Lease.Id, routeId, leased.Lease.Attempt, ex.GetType().Name);
            return AttemptResult.Failed(DeliveryErrors.SendFailed);
        }
    }

    /// <summary>True when recorded, false when the lease was no longer this attempt's, null when the store did not answer.</summary>
    private async Task<bool?> SettleAsync(IDeliveryStore store, DeliveryLease lease, Settlement settlement, AttemptRecord record)
    {
        using var timeout = new CancellationTokenSource(_settleTimeout, _timeProvider);
        try
        {
            return await _settleRetry.ExecuteAsync(
                async token => settlement.Kind switch
                {
                    SettlementKind.Delivered => await store.MarkDeliveredAsync(lease, settlement.StatusCode ?? 0, record, token).ConfigureAwait(false),
                    SettlementKind.Retry => await store.ScheduleRetryAsync(lease, settlement.NextAttemptAt, settlement.StatusCode, settlement.Code!, record, token).ConfigureAwait(false),
                    SettlementKind.Probe => await store.ReleaseProbeAsync(lease, settlement.NextAttemptAt, settlement.StatusCode, settlement.Code!, record, token).ConfigureAwait(false),
                    _ => await store.DeadLetterAsync(lease, settlement.StatusCode, settlement.Code!, record, token).ConfigureAwait(false),
                },
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DeliveryStoreUnavailableException or OperationCanceledException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4105, LogLevel.Debug, "Delivery {DeliveryId} of route {RouteId} was delivered by attempt {Attempt} (status {StatusCode}).")]
        public static partial void Delivered(ILogger logger, Guid deliveryId, string routeId, int attempt, int statusCode);

        [LoggerMessage(4106, LogLevel.Debug, "Attempt {Attempt} of delivery {DeliveryId} of route {RouteId} failed ({Error}); the next is due at {NextAttemptAt:O}.")]
        public static partial void Retried(ILogger logger, Guid deliveryId, string routeId, int attempt, string? error, DateTimeOffset nextAttemptAt);

        [LoggerMessage(4107, LogLevel.Warning, "Delivery {DeliveryId} of route {RouteId} was dead-lettered after attempt {Attempt} ({Reason}): it stays in the queue for inspection; deliveries replay sends it again.")]
        public static partial void DeadLettered(ILogger logger, Guid deliveryId, string routeId, int attempt, string? reason);

        [LoggerMessage(4108, LogLevel.Warning, "The result of attempt {Attempt} of delivery {DeliveryId} of route {RouteId} ({Outcome}) was not recorded: its lease was no longer this attempt's (it expired and was taken over, or the delivery was replayed), so it may be delivered again.")]
        public static partial void LeaseLost(ILogger logger, Guid deliveryId, string routeId, int attempt, string outcome);

        [LoggerMessage(4109, LogLevel.Error, "The result of attempt {Attempt} of delivery {DeliveryId} of route {RouteId} ({Outcome}) could not be recorded: the delivery store did not answer. The delivery is attempted again once its lease expires.")]
        public static partial void SettleFailed(ILogger logger, Guid deliveryId, string routeId, int attempt, string outcome);

        [LoggerMessage(4110, LogLevel.Error, "Attempt {Attempt} of delivery {DeliveryId} of route {RouteId} could not be sent: {ExceptionType}. It is tried again later.")]
        public static partial void SendFailed(ILogger logger, Guid deliveryId, string routeId, int attempt, string exceptionType);

        [LoggerMessage(4118, LogLevel.Debug, "A probe of route {RouteId} with delivery {DeliveryId} failed ({Error}): the route keeps backing off; the attempt is not counted, the delivery is due again at {NextAttemptAt:O}.")]
        public static partial void ProbeFailed(ILogger logger, Guid deliveryId, string routeId, string? error, DateTimeOffset nextAttemptAt);

        [LoggerMessage(4111, LogLevel.Information, "Attempt {Attempt} of delivery {DeliveryId} of route {RouteId} was cut off at the drain timeout; its lease is released for another attempt.")]
        public static partial void Aborted(ILogger logger, Guid deliveryId, string routeId, int attempt);
    }
}
