using Axitech.Gateway.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Commands;

/// <summary>
/// A configuration as <c>check-config</c> sees it: the webhook policies read by the gateway's own reader, the routes
/// and clusters as YARP reads them, and every problem the gateway or YARP would refuse to start with.
/// </summary>
internal sealed class ConfigurationReport
{
    private const string ProxySection = "ReverseProxy";

    private ConfigurationReport(WebhookConfiguration webhooks, IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters, List<string> errors, List<string> warnings)
    {
        Webhooks = webhooks;
        Routes = routes;
        Clusters = clusters;
        Errors = errors;
        Warnings = warnings;
    }

    public WebhookConfiguration Webhooks { get; }

    public IReadOnlyList<RouteConfig> Routes { get; }

    public IReadOnlyList<ClusterConfig> Clusters { get; }

    /// <summary>Problems the gateway would refuse to start with, each saying what to fix.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Things that start but probably do not do what was meant.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public static async Task<ConfigurationReport> CreateAsync(IConfiguration configuration)
    {
        var webhooks = WebhookConfigurationReader.Read(configuration, out var errors);
        var warnings = new List<string>();

        // YARP's own reader and validator, as the gateway runs them: the same messages for a bad match or address.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddReverseProxy().LoadFromConfig(configuration.GetSection(ProxySection));
        var provider = services.BuildServiceProvider();
        await using (provider.ConfigureAwait(false))
        {
            IProxyConfig proxy;
            try
            {
                proxy = provider.GetRequiredService<IProxyConfigProvider>().GetConfig();
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
            {
                errors.Add($"The {ProxySection} section cannot be read: {ex.Message}");
                return new ConfigurationReport(webhooks, [], [], errors, warnings);
            }

            var validator = provider.GetRequiredService<IConfigValidator>();
            foreach (var route in proxy.Routes)
            {
                errors.AddRange((await validator.ValidateRouteAsync(route).ConfigureAwait(false)).Select(e => e.Message));
                errors.AddRange(CheckCluster(route, proxy.Clusters));
            }

            foreach (var cluster in proxy.Clusters)
            {
                errors.AddRange((await validator.ValidateClusterAsync(cluster).ConfigureAwait(false)).Select(e => e.Message));
                errors.AddRange(CheckAddresses(cluster));
                if (cluster.Destinations is not { Count: > 0 })
                {
                    warnings.Add($"Cluster '{cluster.ClusterId}' has no destination: its routes are answered 503. Set {ProxySection}:Clusters:{cluster.ClusterId}:Destinations:<name>:Address.");
                }
            }

            if (proxy.Routes.Count == 0)
            {
                warnings.Add($"No route is configured under {ProxySection}:Routes: the gateway starts, answers 404 to everything and /readyz reports not ready.");
            }

            return new ConfigurationReport(webhooks, proxy.Routes, proxy.Clusters, errors, warnings);
        }
    }

    /// <summary>YARP accepts any address at load and fails each request to a bad one; say so before it runs.</summary>
    private static IEnumerable<string> CheckAddresses(ClusterConfig cluster)
        => (cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
            .Where(d => !Uri.TryCreate(d.Value.Address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            .Select(d => $"Cluster '{cluster.ClusterId}' destination '{d.Key}': Address '{d.Value.Address}' is not an absolute http:// or https:// URL; set {ProxySection}:Clusters:{cluster.ClusterId}:Destinations:{d.Key}:Address to the upstream, such as http://claims-service:8080.");

    private static IEnumerable<string> CheckCluster(RouteConfig route, IReadOnlyList<ClusterConfig> clusters)
    {
        var configured = clusters.Count == 0
            ? "none is configured"
            : "configured: " + string.Join(", ", clusters.Select(c => $"'{c.ClusterId}'"));
        if (string.IsNullOrWhiteSpace(route.ClusterId))
        {
            yield return $"Route '{route.RouteId}' has no cluster: set {ProxySection}:Routes:{route.RouteId}:ClusterId to one of the clusters under {ProxySection}:Clusters ({configured}).";
        }
        else if (!clusters.Any(c => string.Equals(c.ClusterId, route.ClusterId, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"Route '{route.RouteId}' names cluster '{route.ClusterId}', which is not configured under {ProxySection}:Clusters ({configured}).";
        }
    }
}
