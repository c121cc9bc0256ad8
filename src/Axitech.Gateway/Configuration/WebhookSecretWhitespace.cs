namespace Axitech.Gateway.Configuration;

/// <summary>
/// Finds secrets with leading or trailing whitespace. A secret stored with a trailing newline (<c>echo secret &gt;
/// file</c>, a Kubernetes secret made from such a file) is accepted as it is, the newline is part of the HMAC key, and
/// every delivery then fails verification. Whitespace can in principle be part of a secret, so this is a warning,
/// never a refusal.
/// </summary>
internal static class WebhookSecretWhitespace
{
    /// <summary>Each such secret as its policy and its configuration key (<c>Webhooks:Policies:claims:Secrets:1</c>); never the secret.</summary>
    public static IEnumerable<(string Policy, string ConfigurationKey)> Find(IConfiguration configuration)
        => from policy in configuration.GetSection(WebhookConfigurationReader.PoliciesSection).GetChildren()
           from secret in policy.GetSection(nameof(WebhookPolicyOptions.Secrets)).GetChildren()
           where !string.IsNullOrWhiteSpace(secret.Value) && (char.IsWhiteSpace(secret.Value[0]) || char.IsWhiteSpace(secret.Value[^1]))
           select (policy.Key, $"{WebhookConfigurationReader.PoliciesSection}:{policy.Key}:{nameof(WebhookPolicyOptions.Secrets)}:{secret.Key}");

    /// <summary>The warning for each such secret, in the words check-config and the gateway's log both use.</summary>
    public static IEnumerable<string> Warnings(IConfiguration configuration)
        => Find(configuration).Select(s =>
            $"Webhook policy '{s.Policy}': {s.ConfigurationKey} has leading or trailing whitespace (a newline from `echo secret > file` or a secret made from such a file, for instance), which is part of the HMAC key: deliveries signed with the secret without it fail verification. Remove the whitespace.");
}
