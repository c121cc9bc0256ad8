using System.Collections.Frozen;
using System.Net;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Queue;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// The one function that turns configuration into a <see cref="GatewaySnapshot"/> and says every problem at once.
/// Start-up, every hot reload and <c>check-config</c> call it, so they accept and refuse exactly the same files with the
/// same messages; nothing here throws for a configuration mistake.
/// </summary>
internal static class GatewaySnapshotBuilder
{
    /// <summary>Sections read only at start-up: a reload that changes them is applied at the next restart.</summary>
    private static readonly string[] _startupSections = ["Kestrel", "Gateway", "Deduplication", "ConnectionStrings", "Webhooks:Queue"];

    /// <param name="configuration">The configuration as the gateway reads it (embedded defaults, files, environment).</param>
    /// <param name="environmentName">The host environment (Production, Development, ...): some warnings depend on it.</param>
    public static GatewaySnapshot Build(IConfiguration configuration, string environmentName)
    {
        var errors = new List<string>();
        var warnings = new List<string>();

        HostSettingsValidator.Validate(configuration, errors);
        ConfigurationKeys.FindUnknown(configuration, errors);
        var gateway = Bind<GatewayOptions>(configuration, "Gateway", errors) ?? new GatewayOptions();
        var trusted = ReadGateway(gateway, errors);
        DeliveryConsole.ConsoleOptionsValidator.Validate(gateway.Console, errors, warnings);
        var deduplication = Bind<DeduplicationStoreOptions>(configuration, "Deduplication", errors) ?? new DeduplicationStoreOptions();
        var redis = ReadDeduplication(configuration, deduplication, errors);
        var postgres = DeliveryStoreFactory.PostgresConnectionString(configuration);
        var queue = Bind<DeliveryQueueOptions>(configuration, DeliveryQueueOptions.SectionName, errors) ?? new DeliveryQueueOptions();
        errors.AddRange(DeliveryQueueOptionsValidator.GetProblems(queue, postgres));

        var policies = WebhookConfigurationReader.ReadPolicies(configuration, errors);
        foreach (var policy in policies.Values.Where(p => gateway.Limits.UnverifiedBytesPerClient > 0 && p.MaxBodyBytes > gateway.Limits.UnverifiedBytesPerClient))
        {
            errors.Add($"Webhook policy '{policy.Name}': MaxBodyBytes ({policy.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)}) is more than Gateway:Limits:UnverifiedBytesPerClient ({gateway.Limits.UnverifiedBytesPerClient.ToString(System.Globalization.CultureInfo.InvariantCulture)}), so its largest deliveries could never be read; raise Gateway:Limits:UnverifiedBytesPerClient (and Gateway:Limits:UnverifiedBytes) or lower MaxBodyBytes.");
        }
        warnings.AddRange(WebhookSecretWhitespace.Warnings(configuration));
        var failedPolicies = WebhookConfigurationReader.FailedPolicies(configuration, policies);
        var (proxyRoutes, proxyClusters) = ProxyConfigReader.Read(configuration, errors, warnings);
        var routes = new Dictionary<string, WebhookRoute>(StringComparer.OrdinalIgnoreCase);
        foreach (var route in proxyRoutes)
        {
            if (ReadRoute(route, policies, failedPolicies, errors) is { } webhookRoute)
            {
                routes[route.RouteId] = webhookRoute;
            }
        }

        warnings.AddRange(WebhookConfigurationReader.UnusedPolicies(configuration, proxyRoutes.Select(r => r.Metadata?.GetValueOrDefault(WebhookConfigurationReader.PolicyMetadataKey))));
        foreach (var queued in routes.Values.Where(r => r.Delivery == WebhookDeliveryMode.Queue))
        {
            if (queue.EncryptionKeys.Count == 0 && !string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"Route '{queued.RouteId}' queues its deliveries, whose bodies carry personal data, and {DeliveryQueueOptions.SectionName}:EncryptionKeys is not set: bodies are stored in the clear. Set {DeliveryQueueOptions.SectionName}:EncryptionKeys:0 to the base64 of 32 random bytes (openssl rand -base64 32).");
            }
        }

        return new GatewaySnapshot
        {
            ProxyRoutes = proxyRoutes,
            ProxyClusters = proxyClusters,
            Routes = routes.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            Policies = policies.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            Gateway = gateway,
            TrustedProxies = trusted,
            Deduplication = deduplication,
            RedisConnectionString = redis,
            Queue = queue,
            PostgresConnectionString = postgres,
            StartupSettings = _startupSections
                .SelectMany(s => configuration.GetSection(s).AsEnumerable())
                .Where(p => p.Value is not null)
                .DistinctBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                .ToFrozenDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            Errors = errors,
            Warnings = warnings,
        };
    }

    private static WebhookRoute? ReadRoute(RouteConfig route, Dictionary<string, WebhookPolicy> policies, IEnumerable<string> failedPolicies, List<string> errors)
    {
        string? policyName = null;
        string? deliveryName = null;
        _ = route.Metadata?.TryGetValue(WebhookConfigurationReader.PolicyMetadataKey, out policyName);
        _ = route.Metadata?.TryGetValue(WebhookConfigurationReader.DeliveryMetadataKey, out deliveryName);
        WebhookConfigurationReader.FindUnknownMetadata(route.RouteId, route.Metadata, errors);
        var error = WebhookConfigurationReader.ValidateRoutePolicy(route.RouteId, policyName, policies.Keys, failedPolicies);
        if (error is not null)
        {
            errors.Add(error);
        }

        var delivery = WebhookDeliveryMode.Forward;
        if (!string.IsNullOrWhiteSpace(deliveryName) && (!Enum.TryParse(deliveryName, ignoreCase: true, out delivery) || int.TryParse(deliveryName, out _)))
        {
            errors.Add($"Route '{route.RouteId}': {ProxyConfigReader.Section}:Routes:{route.RouteId}:Metadata:{WebhookConfigurationReader.DeliveryMetadataKey} is '{deliveryName}'; it must be Forward (the default: passed through at once) or Queue (stored durably, then delivered).");
            return null;
        }

        var rate = ReadPositiveMetadata(route, WebhookConfigurationReader.DeliveryRateMetadataKey, WebhookConfigurationReader.MaxDeliveryRate, "attempts per second, per replica", delivery, errors);
        var concurrency = ReadPositiveMetadata(route, WebhookConfigurationReader.DeliveryConcurrencyMetadataKey, WebhookConfigurationReader.MaxDeliveryConcurrency, "attempts at once, overriding Webhooks:Queue:MaxConcurrency", delivery, errors);
        return error is null ? new WebhookRoute(route.RouteId, route.ClusterId ?? string.Empty, policies[policyName!], delivery, rate, concurrency) : null;
    }

    /// <summary>A queued route's pacing metadata: absent, or a whole number from 1 to <paramref name="max"/>; set on a forwarded route it is a mistake, not ignored.</summary>
    private static int? ReadPositiveMetadata(RouteConfig route, string key, int max, string meaning, WebhookDeliveryMode delivery, List<string> errors)
    {
        if (route.Metadata?.TryGetValue(key, out var text) != true || text is null)
        {
            return null;
        }

        var path = $"{ProxyConfigReader.Section}:Routes:{route.RouteId}:Metadata:{key}";
        if (delivery != WebhookDeliveryMode.Queue)
        {
            errors.Add($"Route '{route.RouteId}': {path} applies to queued routes only; remove it, or set {WebhookConfigurationReader.DeliveryMetadataKey} to Queue.");
            return null;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
        {
            errors.Add($"Route '{route.RouteId}': {path} is '{text}'; it must be a whole number from 1 to {max.ToString(System.Globalization.CultureInfo.InvariantCulture)} ({meaning}), or absent.");
            return null;
        }

        return value;
    }

    private static List<IPNetwork> ReadGateway(GatewayOptions gateway, List<string> errors)
    {
        if (gateway.DrainTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:DrainTimeout must be positive (the default is 00:00:30).");
        }

        if (gateway.FailureThrottling.PermitLimit <= 0 || gateway.FailureThrottling.Window <= TimeSpan.Zero)
        {
            errors.Add("Gateway:FailureThrottling:PermitLimit and Gateway:FailureThrottling:Window must be positive (the defaults are 20 and 00:01:00); to turn throttling off set Gateway:FailureThrottling:Enabled to false.");
        }

        if (gateway.ConnectionsPerClient <= 0)
        {
            errors.Add("Gateway:ConnectionsPerClient must be positive (the default is 100).");
        }

        var limits = gateway.Limits;
        if (limits.BodyTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Limits:BodyTimeout must be positive (the default is 00:00:30).");
        }

        if (limits.UnverifiedBytesPerClient <= 0 || limits.UnverifiedBytes < limits.UnverifiedBytesPerClient)
        {
            errors.Add("Gateway:Limits:UnverifiedBytesPerClient must be positive and Gateway:Limits:UnverifiedBytes at least as large (the defaults are 16777216 and 268435456 bytes).");
        }

        if (gateway.ListenerProbe.Interval <= TimeSpan.Zero || gateway.ListenerProbe.UnhealthyAfter < gateway.ListenerProbe.Interval)
        {
            errors.Add("Gateway:ListenerProbe:Interval must be positive and Gateway:ListenerProbe:UnhealthyAfter at least as long (the defaults are 00:00:05 and 00:00:30).");
        }

        var networks = new List<IPNetwork>();
        foreach (var entry in gateway.TrustedProxies)
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else
            {
                errors.Add($"Gateway:TrustedProxies entry '{entry}' is neither an IP address nor a CIDR network (such as 10.0.0.0/8); write the address or network of your ingress.");
            }
        }

        return networks;
    }

    private static string? ReadDeduplication(IConfiguration configuration, DeduplicationStoreOptions options, List<string> errors)
    {
        if (options.MaxEntries <= 0)
        {
            errors.Add("Deduplication:MaxEntries must be positive (the default is 1000000).");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            errors.Add("Deduplication:KeyPrefix must not be empty (the default is 'axgw:').");
        }

        var redis = configuration.GetConnectionString(DeduplicationServiceCollectionExtensions.RedisConnectionStringName);
        if (string.IsNullOrWhiteSpace(redis))
        {
            return null;
        }

        try
        {
            _ = StackExchange.Redis.ConfigurationOptions.Parse(redis);
        }
        catch (ArgumentException ex)
        {
            // StackExchange.Redis names the option it did not understand, never the password.
            errors.Add($"ConnectionStrings:Redis cannot be read: {ex.Message} Write it as host:port[,option=value...] (for example redis:6379,password=...,ssl=true).");
        }

        return redis;
    }

    /// <summary>Binds a section as the host would; a value that does not convert is a message naming its key, not an exception.</summary>
    private static T? Bind<T>(IConfiguration configuration, string section, List<string> errors)
        where T : class
    {
        try
        {
            return configuration.GetSection(section).Get<T>();
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{ex.Message} Fix the value under {section}.");
            return null;
        }
    }
}
