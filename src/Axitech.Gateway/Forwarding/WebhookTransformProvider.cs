using Axitech.Gateway.Pipeline;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// What every webhook route does to the request it forwards: the raw target as received, and no header that only the
/// gateway may set or that an upstream might obey although nobody signed it. (Routes are validated with the rest of
/// the configuration by <see cref="Configuration.GatewaySnapshotBuilder"/>.)
/// </summary>
internal sealed class WebhookTransformProvider : ITransformProvider
{
    /// <summary>
    /// Unsigned headers that frameworks and servers in front of an application honour: a method override (which would
    /// make the upstream act on a method nobody signed), a target override, and <c>X-Content-Length</c> (Kestrel's
    /// name for a <c>Content-Length</c> that came with <c>Transfer-Encoding</c>).
    /// </summary>
    public static readonly string[] StrippedHeaders =
        ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-URL", "X-Rewrite-URL", "X-Content-Length"];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        foreach (var header in GatewayHeaders.All.Concat(StrippedHeaders))
        {
            context.AddRequestHeaderRemove(header);
        }

        context.RequestTransforms.Add(UnderscoreHeaderRemoval.Instance);
        context.RequestTransforms.Add(new RawTargetRequestTransform());
        context.RequestTransforms.Add(VerifiedBodyHandler.NameBody);
    }
}
