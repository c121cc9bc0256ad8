using System.Net;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// Sends a verified body whole: headers and body leave in one write, where YARP's own request content flushes the
/// headers before it copies the body, a second send for the gateway and a second read for the upstream. At 1 KiB that is
/// worth about 10 % of throughput (the benchmarks README, "Sending the verified body whole"), which is why this departs
/// from YARP's own mechanism. YARP does not let a transform replace its request content, so the transform below names the
/// body in the outgoing message's <see cref="HttpRequestMessage.Options"/> and this handler, in the forwarder's
/// <c>HttpClient</c>, swaps the content just before it is sent. Messages without that option (the delivery workers')
/// pass through unchanged.
/// </summary>
internal sealed class VerifiedBodyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public static readonly HttpRequestOptionsKey<VerifiedBodyStream> BodyOption = new("Axitech.Gateway.VerifiedBody");

    /// <summary>The request transform that names the verified body for this handler; nothing for other requests.</summary>
    public static readonly RequestTransform NameBody = new NameBodyTransform();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(BodyOption, out var body) && request.Content is { } streamed)
        {
            var whole = new WholeBodyContent(body);
            foreach (var (name, values) in streamed.Headers.NonValidated)
            {
                _ = values.Count == 1
                    ? whole.Headers.TryAddWithoutValidation(name, values.ToString())
                    : whole.Headers.TryAddWithoutValidation(name, values);
            }

            request.Content = whole;
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The body from its buffer, in one write, with its length; it holds a loan on the buffer while it writes.</summary>
    private sealed class WholeBodyContent(VerifiedBodyStream body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
            => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(!body.TryLend(out var bytes), body);
            try
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                body.EndLoan();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    private sealed class NameBodyTransform : RequestTransform
    {
        public override ValueTask ApplyAsync(RequestTransformContext context)
        {
            if (context.HttpContext.Request.Body is VerifiedBodyStream body && context.ProxyRequest.Content is not null)
            {
                context.ProxyRequest.Options.Set(BodyOption, body);
            }

            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>YARP's forwarder <c>HttpClient</c> (every setting of the cluster's) with <see cref="VerifiedBodyHandler"/> in it.</summary>
internal sealed class GatewayForwarderHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
        => new VerifiedBodyHandler(base.WrapHandler(context, handler));
}
