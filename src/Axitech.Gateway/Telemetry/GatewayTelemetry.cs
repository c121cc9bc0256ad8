using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;

namespace Axitech.Gateway.Telemetry;

/// <summary>
/// The gateway's <see cref="ActivitySource"/>. Verification is a span of its own, a child of the server span; the
/// forwarded request is the HttpClient span beside it, which carries the W3C <c>traceparent</c> to the upstream.
/// Spans never carry a secret, a signature or payload content.
/// </summary>
internal static class GatewayTelemetry
{
    public const string ActivitySourceName = "Axitech.Gateway";
    public const string VerifyActivityName = "axitech.gateway.verify";
    public const string DeliverActivityName = "axitech.gateway.deliver";

    /// <summary>The semantic conventions' attribute for what went wrong: an exception's type, or a 5xx status code.</summary>
    public const string ErrorTypeTag = "error.type";

    public static readonly ActivitySource Source = new(ActivitySourceName);

    public static Activity? StartVerification(string route, string policy)
    {
        var activity = Source.StartActivity(VerifyActivityName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("route", route);
            activity.SetTag("policy", policy);
        }

        return activity;
    }

    /// <summary>
    /// The span of one attempt of a queued delivery: a trace of its own (it runs long after the request that brought
    /// the delivery), linked to the acceptance's span (<paramref name="acceptanceTraceParent"/>, W3C), so both traces
    /// lead to each other. The attempt's HTTP request to the upstream is its child and carries its traceparent.
    /// Tags: route, delivery id, attempt; the outcome is set by <see cref="SetDeliveryOutcome"/>.
    /// </summary>
    public static Activity? StartDelivery(string route, Guid deliveryId, int attempt, string? acceptanceTraceParent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityLink[]? links = null;
        if (acceptanceTraceParent is not null && ActivityContext.TryParse(acceptanceTraceParent, null, out var accepted))
        {
            links = [new ActivityLink(accepted)];
        }

        // The caller runs with no Activity.Current, so this is a root span.
        var activity = Source.StartActivity(DeliverActivityName, ActivityKind.Consumer, parentContext: default, tags: null, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("route", route);
            activity.SetTag("delivery.id", deliveryId.ToString("D"));
            activity.SetTag("delivery.attempt", attempt);
        }

        return activity;
    }

    /// <summary>
    /// The attempt's outcome (delivered, retried, dead_lettered or aborted), the upstream's status when it answered,
    /// and the error code (<c>status_503</c>, <c>timeout</c>, <c>max_attempts</c>) when it did not acknowledge.
    /// </summary>
    public static void SetDeliveryOutcome(Activity? activity, string outcome, int? statusCode, string? reason)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("outcome", outcome);
        if (statusCode is { } status)
        {
            activity.SetTag("http.response.status_code", status);
        }

        if (reason is not null)
        {
            activity.SetTag("reason", reason);
            activity.SetStatus(ActivityStatusCode.Error, reason);
        }
    }

    /// <summary>
    /// Sets <c>error.type</c> to the status code on <c>http.server.request.duration</c> when the answer is a 5xx, as the
    /// semantic conventions ask. ASP.NET Core 8–10 sets it only when an exception went through; OpenTelemetry's
    /// instrumentation fills the gap with a middleware of its own around every request (an awaited state machine, about
    /// 210 bytes a request), which the gateway removes (<see cref="TelemetryServiceCollectionExtensions"/>) and does
    /// here instead, where its own code answers 5xx or sees the forwarder's answer: forwarded deliveries (the
    /// upstream's 5xx, YARP's 502/503/504), its own refusals (503) and the health endpoints (503). Called before the
    /// request ends (the hosting layer reads the tags then); allocates only on a 5xx. Not for a request whose client has
    /// gone: ASP.NET Core records that one as 499 whatever status was set, and a 5xx's tag would mislabel it.
    /// </summary>
    public static void TagServerError(HttpContext context)
    {
        var status = context.Response.StatusCode;
        if (status is < 500 or > 599
            || context.RequestAborted.IsCancellationRequested
            || context.Features.Get<IHttpMetricsTagsFeature>() is not { } feature)
        {
            return;
        }

        var tags = feature.Tags;
        foreach (var tag in tags)
        {
            if (tag.Key == ErrorTypeTag)
            {
                return;
            }
        }

        tags.Add(new KeyValuePair<string, object?>(ErrorTypeTag, status.ToString(CultureInfo.InvariantCulture)));
    }

    public static void SetOutcome(Activity? activity, string outcome, string? reason, long bodySize)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("outcome", outcome);
        if (reason is not null)
        {
            activity.SetTag("reason", reason);
        }

        if (bodySize >= 0)
        {
            activity.SetTag("http.request.body.size", bodySize);
        }

        if (outcome == WebhookOutcomes.Rejected)
        {
            activity.SetStatus(ActivityStatusCode.Error, reason);
        }
    }
}
