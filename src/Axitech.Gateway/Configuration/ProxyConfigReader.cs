using Axitech.Gateway.Forwarding;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// Reads <c>ReverseProxy</c> with YARP's own configuration reader and validates every route and cluster with YARP's own
/// validator (a bad match, header rule, policy name or address gets YARP's message), in a small service provider of
/// its own: the same answer at start-up, on a reload and in <c>check-config</c>. YARP then runs the routes and clusters
/// the snapshot holds (<see cref="GatewaySnapshotSource"/>), never the file directly.
/// </summary>
internal static class ProxyConfigReader
{
    public const string Section = "ReverseProxy";

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Read(IConfiguration configuration, List<string> errors, List<string> warnings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddReverseProxy().LoadFromConfig(configuration.GetSection(Section)).AddTransforms<WebhookTransformProvider>();
        using var provider = services.BuildServiceProvider();

        IProxyConfig proxy;
        try
        {
            proxy = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            errors.Add($"The {Section} section cannot be read: {ex.Message} Fix the value it names.");
            return ([], []);
        }

        // YARP's validator completes synchronously for the policy providers a gateway has (no custom ones).
        var validator = provider.GetRequiredService<IConfigValidator>();
        foreach (var route in proxy.Routes)
        {
            errors.AddRange(validator.ValidateRouteAsync(route).AsTask().GetAwaiter().GetResult().Select(e => e.Message));
            errors.AddRange(CheckCluster(route, proxy.Clusters));
        }

        foreach (var cluster in proxy.Clusters)
        {
            errors.AddRange(validator.ValidateClusterAsync(cluster).AsTask().GetAwaiter().GetResult().Select(e => e.Message));
            errors.AddRange(CheckAddresses(cluster));
            if (cluster.Destinations is not { Count: > 0 })
            {
                warnings.Add($"Cluster '{cluster.ClusterId}' has no destination: its routes are answered 503. Set {Section}:Clusters:{cluster.ClusterId}:Destinations:<name>:Address.");
            }
        }

        if (proxy.Routes.Count == 0)
        {
            warnings.Add($"No route is configured under {Section}:Routes: the gateway starts, answers 404 to everything and /readyz reports not ready.");
        }

        return (proxy.Routes, proxy.Clusters);
    }

    /// <summary>YARP accepts any address at load and fails each request to a bad one; say so before it runs.</summary>
    private static IEnumerable<string> CheckAddresses(ClusterConfig cluster)
        => (cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
            .Where(d => !Uri.TryCreate(d.Value.Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            .Select(d => $"Cluster '{cluster.ClusterId}' destination '{d.Key}': Address '{d.Value.Address}' is not an absolute http:// or https:// URL; set {Section}:Clusters:{cluster.ClusterId}:Destinations:{d.Key}:Address to the upstream, such as http://claims-service:8080.");

    private static IEnumerable<string> CheckCluster(RouteConfig route, IReadOnlyList<ClusterConfig> clusters)
    {
        var configured = clusters.Count == 0
            ? "none is configured"
            : "configured: " + string.Join(", ", clusters.Select(c => $"'{c.ClusterId}'"));
        if (string.IsNullOrWhiteSpace(route.ClusterId))
        {
            yield return $"Route '{route.RouteId}' has no cluster: set {Section}:Routes:{route.RouteId}:ClusterId to one of the clusters under {Section}:Clusters ({configured}).";
        }
        else if (!clusters.Any(c => string.Equals(c.ClusterId, route.ClusterId, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"Route '{route.RouteId}' names cluster '{route.ClusterId}', which is not configured under {Section}:Clusters ({configured}).";
        }
    }
}
