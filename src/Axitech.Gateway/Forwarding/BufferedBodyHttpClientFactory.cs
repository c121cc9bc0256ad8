using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Forwarding;

/// <summary>YARP's forwarder HttpClient, as YARP builds it, with <see cref="BufferedBodyHandler"/> outermost.</summary>
internal sealed class BufferedBodyHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger) : ForwarderHttpClientFactory(logger)
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
        => new BufferedBodyHandler(base.WrapHandler(context, handler));
}
