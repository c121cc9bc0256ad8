using System.Diagnostics;

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
