using Axitech.Gateway.Verification;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// Forwards the target exactly as received. YARP by default forwards the decoded path re-encoded, which can change
/// the escaping; an upstream that re-verifies the signature would then fail. Workaround described in
/// https://github.com/dotnet/yarp/issues/2702: set <c>ProxyRequest.RequestUri</c> in a request transform.
/// </summary>
internal sealed class RawTargetRequestTransform : RequestTransform
{
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        var rawTarget = context.HttpContext.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        context.ProxyRequest.RequestUri = RawTarget.ToDestinationUri(context.DestinationPrefix, rawTarget);
        return ValueTask.CompletedTask;
    }
}
