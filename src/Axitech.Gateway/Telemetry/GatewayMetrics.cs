using System.Diagnostics;
using System.Diagnostics.Metrics;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Telemetry;

/// <summary>
/// The gateway's own instruments, on the meter <see cref="MeterName"/>. Created once; tags are built only when an
/// instrument is enabled. Attribute values come from configuration (route and policy names) or from fixed sets
/// (outcome, reason), never from paths, addresses or payloads, so cardinality stays bounded.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "Axitech.Gateway";

    public const string WebhooksInstrument = "axitech.gateway.webhooks";
    public const string VerificationDurationInstrument = "axitech.gateway.webhook.verification.duration";
    public const string BodySizeInstrument = "axitech.gateway.webhook.body.size";
    public const string UpstreamRequestsInstrument = "axitech.gateway.upstream.requests";
    public const string ConfigReloadsInstrument = "axitech.gateway.config.reloads";
    public const string LogRecordsDroppedInstrument = "axitech.gateway.log.records.dropped";
    public const string QueueDeliveriesInstrument = "axitech.gateway.queue.deliveries";
    public const string QueueOldestPendingAgeInstrument = "axitech.gateway.queue.oldest_pending.age";
    public const string QueueAttemptsInstrument = "axitech.gateway.queue.attempts";
    public const string QueueDeliveryLatencyInstrument = "axitech.gateway.queue.delivery.latency";
    public const string QueueStoreUpInstrument = "axitech.gateway.queue.store.up";
    public const string QueueRouteStateInstrument = "axitech.gateway.queue.route.state";

    public const string ReloadApplied = "applied";
    public const string ReloadRefused = "refused";

    // The result attribute of queue attempts.
    public const string AttemptDelivered = "delivered";
    public const string AttemptRetried = "retried";
    public const string AttemptDeadLettered = "dead_lettered";

    private static readonly double[] _durationBuckets =
        [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

    private static readonly long[] _sizeBuckets =
        [128, 512, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

    // Accepted to delivered: 10 ms (an idle queue and a fast upstream) to 3 days (Webhooks:Queue:Retry:MaxAge).
    private static readonly double[] _queueLatencyBuckets =
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400, 172_800, 259_200];

    private readonly Counter<long> _webhooks;
    private readonly Histogram<double> _verificationDuration;
    private readonly Histogram<long> _bodySize;
    private readonly Counter<long> _upstreamRequests;
    private readonly Counter<long> _configReloads;
    private readonly Counter<long> _queueAttempts;
    private readonly Histogram<double> _queueDeliveryLatency;
    private readonly TimeProvider _timeProvider;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RouteState> _routeStates = new(StringComparer.OrdinalIgnoreCase);
    private volatile QueueObservation? _queue;

    public GatewayMetrics(IMeterFactory meterFactory, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        var meter = meterFactory.Create(MeterName);
        _webhooks = meter.CreateCounter<long>(
            WebhooksInstrument,
            unit: "{webhook}",
            description: "Requests that reached a webhook route, by route, policy, outcome (accepted, rejected, duplicate) and reason.");
        _verificationDuration = meter.CreateHistogram(
            VerificationDurationInstrument,
            unit: "s",
            description: "Time spent verifying a delivery (signature and timestamp), body reading excluded.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _durationBuckets });
        _bodySize = meter.CreateHistogram(
            BodySizeInstrument,
            unit: "By",
            description: "Size of the webhook bodies read for verification.",
            tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = _sizeBuckets });
        _upstreamRequests = meter.CreateCounter<long>(
            UpstreamRequestsInstrument,
            unit: "{request}",
            description: "Verified deliveries forwarded by YARP, by route, the status answered to the sender (the upstream's, or 502/504 from the gateway) and YARP's forwarder error (none when the upstream answered).");
        _configReloads = meter.CreateCounter<long>(
            ConfigReloadsInstrument,
            unit: "{reload}",
            description: "Configuration reloads, by result: applied (the new configuration is in force) or refused (invalid: nothing of it applied).");
        meter.CreateObservableCounter(
            LogRecordsDroppedInstrument,
            () => ConsoleLogWriter.Dropped,
            unit: "{record}",
            description: "Console log records dropped because standard output did not keep up (nobody reading it, or too slowly): the gateway never waits for its logs.");
        _queueAttempts = meter.CreateCounter<long>(
            QueueAttemptsInstrument,
            unit: "{attempt}",
            description: "Attempts of queued deliveries to their upstream, by route and result: delivered (2xx), retried (no answer, timeout, 408, 429, 5xx) or dead_lettered (any other status, max_attempts, max_age, body_unreadable).");
        _queueDeliveryLatency = meter.CreateHistogram(
            QueueDeliveryLatencyInstrument,
            unit: "s",
            description: "Time from a queued delivery's acceptance (202) to its upstream's 2xx, retries included.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _queueLatencyBuckets });
        meter.CreateObservableGauge(
            QueueDeliveriesInstrument,
            ObserveQueueDeliveries,
            unit: "{delivery}",
            description: "Deliveries in the durable queue, by route and state: pending (waiting for an attempt or under one) or dead (dead-lettered, kept for replay). Read from the store every few seconds; the same on every replica sharing it.");
        meter.CreateObservableGauge(
            QueueOldestPendingAgeInstrument,
            ObserveOldestPendingAge,
            unit: "s",
            description: "Age of the oldest pending delivery of each route (0 when none is pending): how far behind its upstream is.");
        meter.CreateObservableGauge(
            QueueStoreUpInstrument,
            ObserveQueueStoreUp,
            unit: null,
            description: "1 when the delivery store answered the gateway's last look (every few seconds), 0 when it did not. Present only while a route queues its deliveries.");
        meter.CreateObservableGauge(
            QueueRouteStateInstrument,
            ObserveQueueRouteStates,
            unit: null,
            description: "The state of each queued route as this replica sees it: 1 for the current state (delivering, backing_off: every attempt fails and one delivery is tried per backoff step; paused: by deliveries pause), 0 for the others.");
    }

    /// <summary>Records the state of a queued route's workers (<see cref="RouteStates"/>).</summary>
    public void QueueRouteState(string route, RouteState state) => _routeStates[route] = state;

    /// <summary>The route no longer queues here: its state is no longer reported.</summary>
    public void QueueRouteStopped(string route) => _routeStates.TryRemove(route, out _);

    private IEnumerable<Measurement<int>> ObserveQueueRouteStates()
    {
        foreach (var (route, current) in _routeStates)
        {
            foreach (var state in RouteStates.All)
            {
                yield return new Measurement<int>(state == current ? 1 : 0, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("state", state.ToName()));
            }
        }
    }

    /// <summary>Counts one attempt of a queued delivery, by result (<see cref="AttemptDelivered"/>, ...).</summary>
    public void QueueAttempt(string route, string result)
    {
        if (_queueAttempts.Enabled)
        {
            _queueAttempts.Add(1, new TagList { { "route", route }, { "result", result } });
        }
    }

    public void QueueDeliveryLatency(string route, TimeSpan latency)
    {
        if (_queueDeliveryLatency.Enabled)
        {
            _queueDeliveryLatency.Record(Math.Max(0, latency.TotalSeconds), new TagList { { "route", route } });
        }
    }

    /// <summary>
    /// What the store said of the queue, for the gauges: every route in <paramref name="stats"/>, and the queued routes
    /// with zeros when they have nothing pending or dead. Null <paramref name="stats"/>: the store did not answer; the
    /// last counts stay and the store is reported down.
    /// </summary>
    public void QueueObserved(IEnumerable<string> queuedRoutes, IReadOnlyList<RouteQueueStats>? stats)
    {
        if (stats is null)
        {
            _queue = (_queue ?? new QueueObservation([], true)) with { StoreUp = false };
            return;
        }

        var routes = stats.ToDictionary(s => s.RouteId, StringComparer.Ordinal);
        foreach (var route in queuedRoutes)
        {
            routes.TryAdd(route, new RouteQueueStats(route, 0, 0, null));
        }

        _queue = new QueueObservation([.. routes.Values.OrderBy(r => r.RouteId, StringComparer.Ordinal)], true);
    }

    /// <summary>No route queues its deliveries: the queue's gauges report nothing.</summary>
    public void QueueNotObserved() => _queue = null;

    private IEnumerable<Measurement<long>> ObserveQueueDeliveries()
    {
        foreach (var route in _queue?.Routes ?? [])
        {
            yield return new Measurement<long>(route.Pending, new KeyValuePair<string, object?>("route", route.RouteId), new KeyValuePair<string, object?>("state", DeliveryStates.Pending));
            yield return new Measurement<long>(route.Dead, new KeyValuePair<string, object?>("route", route.RouteId), new KeyValuePair<string, object?>("state", DeliveryStates.Dead));
        }
    }

    private IEnumerable<Measurement<double>> ObserveOldestPendingAge()
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var route in _queue?.Routes ?? [])
        {
            var age = route.OldestPendingReceivedAt is { } oldest && oldest < now ? (now - oldest).TotalSeconds : 0;
            yield return new Measurement<double>(age, new KeyValuePair<string, object?>("route", route.RouteId));
        }
    }

    private IEnumerable<Measurement<int>> ObserveQueueStoreUp()
    {
        if (_queue is { } queue)
        {
            yield return new Measurement<int>(queue.StoreUp ? 1 : 0);
        }
    }

    /// <summary>Counts one configuration reload that was applied or refused.</summary>
    public void ConfigReload(string result)
    {
        if (_configReloads.Enabled)
        {
            _configReloads.Add(1, new TagList { { "result", result } });
        }
    }

    /// <summary>Counts one forwarded delivery once YARP is done with it.</summary>
    public void UpstreamRequest(string route, int statusCode, string error)
    {
        if (_upstreamRequests.Enabled)
        {
            _upstreamRequests.Add(1, new TagList
            {
                { "route", route },
                { "http.response.status_code", statusCode },
                { "error", error },
            });
        }
    }

    /// <summary>Counts one request that reached a webhook route; call exactly once per request.</summary>
    public void Webhook(string route, string policy, string outcome, string? reason)
    {
        if (!_webhooks.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "route", route },
            { "policy", policy },
            { "outcome", outcome },
        };
        if (reason is not null)
        {
            tags.Add("reason", reason);
        }

        _webhooks.Add(1, tags);
    }

    public void VerificationDuration(string route, string policy, TimeSpan elapsed)
    {
        if (_verificationDuration.Enabled)
        {
            _verificationDuration.Record(elapsed.TotalSeconds, new TagList { { "route", route }, { "policy", policy } });
        }
    }

    public void BodySize(string route, string policy, long bytes)
    {
        if (_bodySize.Enabled)
        {
            _bodySize.Record(bytes, new TagList { { "route", route }, { "policy", policy } });
        }
    }

    private sealed record QueueObservation(IReadOnlyList<RouteQueueStats> Routes, bool StoreUp);
}
