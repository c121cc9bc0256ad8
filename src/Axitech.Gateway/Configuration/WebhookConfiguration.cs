using System.Collections.Frozen;

namespace Axitech.Gateway.Configuration;

/// <summary>One consistent, validated view of the policies and of which route uses which.</summary>
internal sealed class WebhookConfiguration
{
    public static readonly WebhookConfiguration Empty = new(
        FrozenDictionary<string, WebhookPolicy>.Empty, FrozenDictionary<string, string>.Empty);

    public WebhookConfiguration(FrozenDictionary<string, WebhookPolicy> policies, FrozenDictionary<string, string> routePolicies)
    {
        Policies = policies;
        RoutePolicies = routePolicies;
    }

    /// <summary>Policies by name (case-insensitive, as configuration keys are).</summary>
    public FrozenDictionary<string, WebhookPolicy> Policies { get; }

    /// <summary>Policy name by route id, for the routes configured in <c>ReverseProxy:Routes</c>.</summary>
    public FrozenDictionary<string, string> RoutePolicies { get; }
}
