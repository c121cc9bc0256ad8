namespace Axitech.Webhooks.AspNetCore;

/// <summary>A policy ready to verify with: its secrets made once (each keeps a pool of keyed HMACs).</summary>
internal sealed record SignaturePolicy(string Name, WebhookSecret[] Secrets, AxitechWebhookPolicyOptions Options)
{
    public static SignaturePolicy Create(string name, AxitechWebhookPolicyOptions options)
        => new(name, [.. options.Secrets.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => new WebhookSecret(s!))], options);
}
