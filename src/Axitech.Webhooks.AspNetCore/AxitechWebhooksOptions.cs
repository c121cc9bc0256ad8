namespace Axitech.Webhooks.AspNetCore;

/// <summary>The <c>Webhooks</c> section: the verification policies by name.</summary>
public sealed class AxitechWebhooksOptions
{
    /// <summary>The configuration section these options are bound from: <c>Webhooks</c>.</summary>
    public const string SectionName = "Webhooks";

    /// <summary>The policies by name (<c>Webhooks:Policies:{name}</c>); names are compared ignoring case.</summary>
    public IDictionary<string, AxitechWebhookPolicyOptions> Policies { get; } =
        new Dictionary<string, AxitechWebhookPolicyOptions>(StringComparer.OrdinalIgnoreCase);
}
