using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Telemetry;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The forwarding stage of forwarded routes: hands the verified body to YARP's pipeline (load balancing, passive health,
/// the forwarder), then settles the delivery's claim: delivered if the upstream acknowledged it, released otherwise.
/// </summary>
internal sealed class DeliveryForwarder
{
    private readonly DeliveryClaims _claims;
    private readonly GatewayMetrics _metrics;

    public DeliveryForwarder(DeliveryClaims claims, GatewayMetrics metrics)
    {
        _claims = claims;
        _metrics = metrics;
    }

    public async Task ForwardAsync(WebhookRequest request, RequestDelegate next)
    {
        var context = request.Context;
        var body = new VerifiedBodyStream(request.TakeBody()!, (int)request.BodyLength);
        context.Request.Body = body;

        // The whole body is known: it is forwarded with its length, however it arrived (chunked, or HTTP/2 without a
        // length); its bytes are unchanged.
        context.Request.Headers.Remove(HeaderNames.TransferEncoding);
        context.Request.ContentLength = request.BodyLength;
        var forwarded = false;
        try
        {
            await next(context).ConfigureAwait(false);
            forwarded = true;
        }
        finally
        {
            body.Release();
            var status = context.Response.StatusCode;
            var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
            _metrics.UpstreamRequest(request.Route.RouteId, status, ForwarderErrors.Name(error));
            GatewayTelemetry.TagServerError(context);
            await _claims.SettleAsync(request, forwarded && UpstreamAcknowledged(status, error), status).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The upstream acknowledged the delivery when it answered 2xx. A failure after its 2xx headers (the client went
    /// away while the answer was copied, or the answer's body broke) does not undo that acknowledgement; anything before
    /// it (unreachable, timeout, client gone before the answer) does.
    /// </summary>
    private static bool UpstreamAcknowledged(int status, ForwarderError error)
        => status is >= 200 and <= 299
            && error is ForwarderError.None or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyDestination;
}
