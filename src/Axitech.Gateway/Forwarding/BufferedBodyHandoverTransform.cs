using Yarp.ReverseProxy.Transforms;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// Hands the verified body to <see cref="BufferedBodyHandler"/>, which sends it as the forwarded request's content. YARP
/// refuses a transform that replaces that content itself ("Replacing the YARP outgoing request HttpContent is not
/// supported"); the handler runs after YARP's check.
/// </summary>
internal sealed class BufferedBodyHandoverTransform : RequestTransform
{
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        // No content: a request without a body, forwarded without one. Every forwarded request has come through the
        // verification middleware, which set the buffered body; should one not have, YARP's own content forwards it.
        if (context.HttpContext.Request.Body is BufferedBodyStream body && context.ProxyRequest.Content is not null)
        {
            BufferedBodyHandler.HandOver(context.ProxyRequest, body);
        }

        return ValueTask.CompletedTask;
    }
}
