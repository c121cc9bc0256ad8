using System.Globalization;
using System.Text.RegularExpressions;
using Axitech.Webhooks;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// Reads and validates <c>Webhooks:Policies</c> and the webhook metadata of routes, for <see cref="GatewaySnapshotBuilder"/>:
/// every problem at once, each message naming the key to fix.
/// </summary>
internal static partial class WebhookConfigurationReader
{
    public const string PoliciesSection = "Webhooks:Policies";
    public const string RoutesSection = "ReverseProxy:Routes";
    public const string PolicyMetadataKey = "WebhookPolicy";
    public const string DeliveryMetadataKey = "WebhookDelivery";
    public const string DeliveryRateMetadataKey = "WebhookDeliveryRate";
    public const string DeliveryConcurrencyMetadataKey = "WebhookDeliveryConcurrency";
    public const int MaxDeliveryRate = 10_000;
    public const int MaxDeliveryConcurrency = 1_000;

    /// <summary>
    /// Every route metadata key the gateway reads. A route's metadata key that begins with <c>Webhook</c> (or is a
    /// letter or two away from one of these) and is not listed here is refused, so a new key is declared here.
    /// </summary>
    public static readonly IReadOnlyList<string> RouteMetadataKeys = [PolicyMetadataKey, DeliveryMetadataKey, DeliveryRateMetadataKey, DeliveryConcurrencyMetadataKey];
    public const long MaxBodyBytesLimit = 100 * 1024 * 1024;

    private static readonly TimeSpan _maxTolerance = TimeSpan.FromDays(1);

    /// <summary>
    /// Checks that a route names a policy that is configured and valid; returns the message to show, or null.
    /// </summary>
    public static string? ValidateRoutePolicy(string routeId, string? policyName, IEnumerable<string> validPolicies, IEnumerable<string>? failedPolicies)
    {
        if (string.IsNullOrWhiteSpace(policyName))
        {
            return $"Route '{routeId}' has no webhook policy: set ReverseProxy:Routes:{routeId}:Metadata:{PolicyMetadataKey} to one of the policies under {PoliciesSection} ({Describe(validPolicies)}). Every route is verified; there is no unverified route.";
        }

        if (failedPolicies?.Contains(policyName, StringComparer.OrdinalIgnoreCase) == true)
        {
            return $"Route '{routeId}' names webhook policy '{policyName}', which is invalid (see the messages about {PoliciesSection}:{policyName}).";
        }

        if (!validPolicies.Contains(policyName, StringComparer.OrdinalIgnoreCase))
        {
            return $"Route '{routeId}' names webhook policy '{policyName}', which is not configured under {PoliciesSection} ({Describe(validPolicies)}).";
        }

        return null;
    }

    /// <summary>
    /// Refuses a metadata key of <paramref name="routeId"/> meant for the gateway but not one it reads: it begins with
    /// <c>Webhook</c>, or is within two edits of a known key (<c>WebookDelivery</c>).
    /// </summary>
    public static void FindUnknownMetadata(string routeId, IReadOnlyDictionary<string, string>? metadata, List<string> errors)
    {
        foreach (var key in metadata?.Keys ?? [])
        {
            if (!RouteMetadataKeys.Contains(key, StringComparer.OrdinalIgnoreCase)
                && (key.StartsWith("Webhook", StringComparison.OrdinalIgnoreCase) || RouteMetadataKeys.Any(k => ConfigurationKeys.Distance(k.ToUpperInvariant(), key.ToUpperInvariant()) <= 2)))
            {
                errors.Add(ConfigurationKeys.Unknown($"{RoutesSection}:{routeId}:Metadata:{key}", RouteMetadataKeys));
            }
        }
    }

    /// <summary>
    /// A warning for each policy that no route names: a typo in an environment variable's policy name
    /// (<c>Webhooks__Policies__claim__Secrets__0</c>) creates such a policy instead of changing the one meant.
    /// </summary>
    public static IEnumerable<string> UnusedPolicies(IConfiguration configuration, IEnumerable<string?> namedByRoutes)
    {
        var named = namedByRoutes.OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        return configuration.GetSection(PoliciesSection).GetChildren()
            .Where(p => !named.Contains(p.Key))
            .Select(p => $"Webhook policy '{p.Key}' ({p.Path}) is named by no route's Metadata:{PolicyMetadataKey} ({Describe(named, "routes name")}): a misspelt policy name in a key or an environment variable makes a new policy instead of changing the one meant. Fix the name, or remove the policy.");
    }

    /// <summary>The names of the policies that are configured but invalid (left out of <paramref name="validPolicies"/>).</summary>
    public static IEnumerable<string> FailedPolicies(IConfiguration configuration, Dictionary<string, WebhookPolicy> validPolicies)
        => configuration.GetSection(PoliciesSection).GetChildren().Select(s => s.Key).Where(k => !validPolicies.ContainsKey(k)).ToList();

    /// <summary>Reads the policies alone; invalid ones are left out and described in <paramref name="errors"/>.</summary>
    public static Dictionary<string, WebhookPolicy> ReadPolicies(IConfiguration configuration, List<string> errors)
    {
        var policies = new Dictionary<string, WebhookPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in configuration.GetSection(PoliciesSection).GetChildren())
        {
            var policy = ReadPolicy(section, errors);
            if (policy is not null)
            {
                policies[section.Key] = policy;
            }
        }

        return policies;
    }

    private static WebhookPolicy? ReadPolicy(IConfigurationSection section, List<string> errors)
    {
        var name = section.Key;
        var path = $"{PoliciesSection}:{name}";
        var errorCount = errors.Count;

        WebhookPolicyOptions options;
        try
        {
            options = section.Get<WebhookPolicyOptions>() ?? new WebhookPolicyOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key and the value it could not convert, never a secret (secrets are strings).
            errors.Add($"Webhook policy '{name}': {ex.Message} Fix the value under {path}.");
            return null;
        }

        // Read with their keys rather than from the bound list, so that check-config can name each secret by the key the
        // operator edits: a blank Secrets:0 is skipped, and the secret after it is still Secrets:1.
        var secretSections = section.GetSection(nameof(WebhookPolicyOptions.Secrets)).GetChildren().Where(s => !string.IsNullOrWhiteSpace(s.Value)).ToArray();
        var secrets = secretSections.Select(s => new WebhookSecret(s.Value!)).ToArray();
        if (secrets.Length == 0)
        {
            errors.Add($"Webhook policy '{name}' has no secret: set {path}:Secrets:0 (for example through the environment variable Webhooks__Policies__{name}__Secrets__0) to the secret shown in the Axitech widget admin page. Nothing is forwarded unverified.");
        }

        if (options.Tolerance <= TimeSpan.Zero || options.Tolerance > _maxTolerance)
        {
            errors.Add($"Webhook policy '{name}': {path}:Tolerance is {options.Tolerance}; it must be more than 00:00:00 and at most 1.00:00:00 (the default is 00:05:00).");
        }

        if (options.MaxBodyBytes <= 0 || options.MaxBodyBytes > MaxBodyBytesLimit)
        {
            errors.Add($"Webhook policy '{name}': {path}:MaxBodyBytes is {options.MaxBodyBytes.ToString(CultureInfo.InvariantCulture)}; it must be between 1 and {MaxBodyBytesLimit.ToString(CultureInfo.InvariantCulture)} (the default is 1048576).");
        }

        ValidateHeaderName(options.SignatureHeader, $"{path}:SignatureHeader", name, errors);
        ValidateHeaderName(options.TimestampHeader, $"{path}:TimestampHeader", name, errors);

        var prefix = options.SignedPathPrefix ?? string.Empty;
        if (prefix.Length > 0 && (prefix[0] != '/' || prefix[^1] == '/' || prefix.Contains('?', StringComparison.Ordinal)))
        {
            errors.Add($"Webhook policy '{name}': {path}:SignedPathPrefix '{prefix}' must start with '/', must not end with '/' and must not contain '?' (for example '/axitech').");
        }

        if (!Enum.IsDefined(options.TimestampFormat))
        {
            errors.Add($"Webhook policy '{name}': {path}:TimestampFormat must be one of {string.Join(", ", Enum.GetNames<WebhookTimestampFormat>())} (the default is Any).");
        }

        var dedup = options.Deduplication with { Key = ReadKey(section.GetSection("Deduplication:Key")) };
        var keyPaths = dedup.Key.Select(p => p.Split('.')).ToArray();
        if (keyPaths.Any(p => p.Any(string.IsNullOrWhiteSpace)))
        {
            errors.Add($"Webhook policy '{name}': {path}:Deduplication:Key must be 'Signature' or JSON paths such as 'event_type', 'data.sessionId'; an empty path segment was found.");
        }

        if (dedup.InFlightLease <= TimeSpan.Zero)
        {
            errors.Add($"Webhook policy '{name}': {path}:Deduplication:InFlightLease must be positive (the default is 00:02:00).");
        }

        if (dedup.ExpiryMargin < TimeSpan.Zero)
        {
            errors.Add($"Webhook policy '{name}': {path}:Deduplication:ExpiryMargin must not be negative (the default is 00:00:30).");
        }

        if (errors.Count != errorCount)
        {
            return null;
        }

        return new WebhookPolicy
        {
            Name = name,
            Secrets = secrets,
            SecretConfigurationKeys = [.. secretSections.Select(s => s.Key)],
            Tolerance = options.Tolerance,
            MaxBodyBytes = options.MaxBodyBytes,
            SignatureHeader = options.SignatureHeader,
            TimestampHeader = options.TimestampHeader,
            SignedPathPrefix = prefix,
            Deduplication = dedup,
            ContentKeyPaths = keyPaths,
            TimestampFormat = options.TimestampFormat,
        };
    }

    private static List<string> ReadKey(IConfigurationSection section)
    {
        IEnumerable<string> parts = section.Value is { } scalar
            ? scalar.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : section.GetChildren().Select(c => c.Value?.Trim() ?? string.Empty);
        var list = parts.ToList();
        return list is ["Signature" or "signature"] ? [] : list;
    }

    private static void ValidateHeaderName(string? header, string key, string policy, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(header) || !HeaderToken().IsMatch(header))
        {
            errors.Add($"Webhook policy '{policy}': {key} '{header}' is not a valid HTTP header name.");
        }
    }

    private static string Describe(IEnumerable<string> names, string label = "configured")
    {
        var list = names.ToList();
        return list.Count == 0 ? (label == "configured" ? "none is configured" : "no route names one") : $"{label}: " + string.Join(", ", list.Order(StringComparer.OrdinalIgnoreCase).Select(n => $"'{n}'"));
    }

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderToken();
}
