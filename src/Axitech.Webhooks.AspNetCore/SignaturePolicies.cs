using Microsoft.Extensions.Options;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>The configured policies by name, made once from the validated options.</summary>
internal sealed class SignaturePolicies
{
    private readonly Dictionary<string, SignaturePolicy> _policies;

    public SignaturePolicies(IOptions<AxitechWebhooksOptions> options)
    {
        _policies = options.Value.Policies.ToDictionary(p => p.Key, p => SignaturePolicy.Create(p.Key, p.Value), StringComparer.OrdinalIgnoreCase);
    }

    public IEnumerable<string> Names => _policies.Keys;

    public SignaturePolicy Get(string name) => _policies.TryGetValue(name, out var policy)
        ? policy
        : throw new InvalidOperationException(Unknown(name));

    public static string Unknown(string name)
        => $"An endpoint requires the Axitech signature policy '{name}', which is not configured under Webhooks:Policies: add Webhooks:Policies:{name}:Secrets:0, or name a configured policy.";
}
