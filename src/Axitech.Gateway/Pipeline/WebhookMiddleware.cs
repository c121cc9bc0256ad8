using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Queue;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// Runs inside YARP's proxy pipeline, after a route matched and before anything is sent upstream, and takes a request
/// through the stages in order: screen the headers, read the body (hashing it as it arrives), verify, then claim and
/// forward (forwarded routes) or store (queued routes). A stage that refuses returns an <see cref="Answer"/>, and nothing after it runs. Nothing
/// unverified is forwarded or stored; nothing the upstream did not acknowledge is remembered as delivered.
/// </summary>
internal sealed class WebhookMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewaySnapshotSource _snapshots;
    private readonly RequestScreen _screen;
    private readonly BodyReader _body;
    private readonly SignatureCheck _signature;
    private readonly DeliveryClaims _claims;
    private readonly DeliveryForwarder _forwarder;
    private readonly QueueAcceptor _queue;
    private readonly WebhookAnswers _answers;

    public WebhookMiddleware(
        RequestDelegate next,
        GatewaySnapshotSource snapshots,
        RequestScreen screen,
        BodyReader body,
        SignatureCheck signature,
        DeliveryClaims claims,
        DeliveryForwarder forwarder,
        QueueAcceptor queue,
        WebhookAnswers answers)
    {
        _next = next;
        _snapshots = snapshots;
        _screen = screen;
        _body = body;
        _signature = signature;
        _claims = claims;
        _forwarder = forwarder;
        _queue = queue;
        _answers = answers;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        if (!_snapshots.Current.Routes.TryGetValue(routeId, out var route))
        {
            // Fail closed. YARP runs the snapshot's own routes, so this is reachable only in the instant between a
            // snapshot's swap and YARP's switch to its routes.
            string? policy = null;
            _ = context.GetReverseProxyFeature().Route.Config.Metadata?.TryGetValue(WebhookConfigurationReader.PolicyMetadataKey, out policy);
            await _answers.PolicyUnavailableAsync(context, routeId, policy).ConfigureAwait(false);
            return;
        }

        using var request = new WebhookRequest(context, route, context.Connection.RemoteIpAddress ?? IPAddress.None);
        if (await DecideAsync(request).ConfigureAwait(false))
        {
            await _forwarder.ForwardAsync(request, _next).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The stages up to the decision, inside the verification span (a child of the server span; what comes after, the
    /// forwarded request included, is the server span's again). Answers every request that is not to be forwarded (a
    /// queued route's included: it is stored and answered here), and returns whether the request is to be forwarded.
    /// </summary>
    private async Task<bool> DecideAsync(WebhookRequest request)
    {
        using var activity = GatewayTelemetry.StartVerification(request.Route.RouteId, request.Policy.Name);
        request.Activity = activity;
        var answer = _screen.Check(request);
        if (answer is null)
        {
            SignatureCheck.Begin(request);
            answer = await _body.ReadAsync(request).ConfigureAwait(false) ?? _signature.Complete(request);
            if (answer is null)
            {
                request.EndVerification();
                if (request.Route.Delivery == WebhookDeliveryMode.Forward)
                {
                    answer = await _claims.ClaimAsync(request).ConfigureAwait(false);
                }
            }
        }

        if (answer is not null)
        {
            // The failure is counted (synchronously, in WriteAsync) before the request leaves the throttle's
            // in-flight count, so that no moment lets a failing client's next forgery pass uncounted.
            var written = _answers.WriteAsync(request, answer);
            request.EndVerification();
            await written.ConfigureAwait(false);
            return false;
        }

        if (request.Route.Delivery == WebhookDeliveryMode.Queue)
        {
            await _queue.AcceptAsync(request).ConfigureAwait(false);
            return false;
        }

        _answers.Accepted(request, WebhookOutcomes.Accepted);
        return true;
    }
}
