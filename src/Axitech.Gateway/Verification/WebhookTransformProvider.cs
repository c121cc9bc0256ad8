using Axitech.Gateway.Configuration;
using Axitech.Gateway.Forwarding;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Where YARP validates and builds routes: every route must name a configured, valid webhook policy (a bad route
/// fails the whole load, as YARP's "The proxy config is invalid." does, and on a reload the last good configuration
/// stays in force), and every route forwards the raw target and drops headers only the gateway may set.
/// </summary>
internal sealed class WebhookTransformProvider : ITransformProvider
{
    private readonly IConfiguration _configuration;

    public WebhookTransformProvider(IConfiguration configuration) => _configuration = configuration;

    public void ValidateRoute(TransformRouteValidationContext context)
    {
        // Read the policies as the configuration says now: routes and policies may change in the same file save,
        // and this may run before the policy catalog has seen it.
        var errors = new List<string>();
        var policies = WebhookConfigurationReader.ReadPolicies(_configuration, errors);
        var failed = WebhookConfigurationReader.FailedPolicies(_configuration, policies);

        string? policyName = null;
        _ = context.Route.Metadata?.TryGetValue(WebhookConfigurationReader.PolicyMetadataKey, out policyName);
        var error = WebhookConfigurationReader.ValidateRoutePolicy(context.Route.RouteId, policyName, policies.Keys, failed);
        if (error is not null)
        {
            context.Errors.Add(new InvalidOperationException(error));
        }
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // A sender must not be able to set what the upstream takes as set by the gateway.
        context.AddRequestHeaderRemove(WebhookVerificationMiddleware.DuplicateHeader);
        context.RequestTransforms.Add(new RawTargetRequestTransform());
        context.RequestTransforms.Add(new BufferedBodyHandoverTransform());
    }
}
