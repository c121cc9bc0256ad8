using Microsoft.Extensions.Primitives;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// The policies in force. Read and validated at start-up (an invalid configuration stops the gateway with every
/// problem listed), and again on every configuration reload: a reload that would be invalid is refused and logged,
/// and the last good configuration stays in force.
/// </summary>
internal sealed partial class WebhookPolicyCatalog : IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger<WebhookPolicyCatalog> _logger;
    private readonly IDisposable _reloadRegistration;
    private volatile WebhookConfiguration _current;
    private volatile string? _refusedReload;

    public WebhookPolicyCatalog(IConfiguration configuration, ILogger<WebhookPolicyCatalog> logger)
    {
        _configuration = configuration;
        _logger = logger;
        _current = WebhookConfigurationReader.Read(configuration, out var errors);
        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException(errors);
        }

        if (_current.RoutePolicies.Count == 0)
        {
            Log.NoRoutes(_logger);
        }

        WarnAboutSecretWhitespace();

        _reloadRegistration = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>The configuration in force.</summary>
    public WebhookConfiguration Current => _current;

    /// <summary>Why the last reload was refused, or null when the last reload was applied.</summary>
    public string? RefusedReload => _refusedReload;

    public bool TryGetPolicy(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WebhookPolicy? policy)
        => _current.Policies.TryGetValue(name, out policy);

    public void Dispose() => _reloadRegistration.Dispose();

    private void Reload()
    {
        var next = WebhookConfigurationReader.Read(_configuration, out var errors);
        if (errors.Count > 0)
        {
            var message = string.Join(" ", errors);
            _refusedReload = message;
            Log.ReloadRefused(_logger, errors.Count, message);
            return;
        }

        _current = next;
        _refusedReload = null;
        Log.Reloaded(_logger, next.Policies.Count, next.RoutePolicies.Count);
        WarnAboutSecretWhitespace();
    }

    /// <summary>A warning only: the gateway starts, or reloads, with such a secret as it did before.</summary>
    private void WarnAboutSecretWhitespace()
    {
        foreach (var (policy, configurationKey) in WebhookSecretWhitespace.Find(_configuration))
        {
            Log.SecretHasWhitespace(_logger, policy, configurationKey);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Error, "Configuration reload refused ({ErrorCount} problems); the last good configuration stays in force. {Errors}")]
        public static partial void ReloadRefused(ILogger logger, int errorCount, string errors);

        [LoggerMessage(1002, LogLevel.Information, "Webhook configuration reloaded: {PolicyCount} policies, {RouteCount} routes.")]
        public static partial void Reloaded(ILogger logger, int policyCount, int routeCount);

        [LoggerMessage(1003, LogLevel.Warning, "No webhook routes are configured under ReverseProxy:Routes: every request is answered 404 and /readyz reports not ready.")]
        public static partial void NoRoutes(ILogger logger);

        // The same words as check-config's warning; the secret itself is never logged.
        [LoggerMessage(1004, LogLevel.Warning, "Webhook policy '{Policy}': {ConfigurationKey} has leading or trailing whitespace (a newline from `echo secret > file` or a secret made from such a file, for instance), which is part of the HMAC key: deliveries signed with the secret without it fail verification. Remove the whitespace.")]
        public static partial void SecretHasWhitespace(ILogger logger, string policy, string configurationKey);
    }
}
