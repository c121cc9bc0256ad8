using System.Diagnostics;
using System.Diagnostics.Metrics;

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

    public const string ReloadApplied = "applied";
    public const string ReloadRefused = "refused";

    private static readonly double[] _durationBuckets =
        [0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

    private static readonly long[] _sizeBuckets =
        [128, 512, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

    private readonly Counter<long> _webhooks;
    private readonly Histogram<double> _verificationDuration;
    private readonly Histogram<long> _bodySize;
    private readonly Counter<long> _upstreamRequests;
    private readonly Counter<long> _configReloads;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
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
}
