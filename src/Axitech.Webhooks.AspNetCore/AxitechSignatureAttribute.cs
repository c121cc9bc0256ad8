using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// For MVC controllers and actions: verifies every request under the policy <c>Webhooks:Policies:{policy}</c> before
/// model binding reads the body, and answers a refusal as the Axitech gateway does. The action sees the body unread.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class AxitechSignatureAttribute : Attribute, IFilterFactory, IOrderedFilter
{
    /// <summary>Verifies requests under the named policy.</summary>
    /// <param name="policy">The name of a policy under <c>Webhooks:Policies</c>.</param>
    public AxitechSignatureAttribute(string policy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        Policy = policy;
    }

    /// <summary>The name of the policy under <c>Webhooks:Policies</c>.</summary>
    public string Policy { get; }

    /// <summary>Runs before other resource filters (and so before model binding). The default is <see cref="int.MinValue"/>.</summary>
    public int Order { get; set; } = int.MinValue;

    /// <inheritdoc />
    public bool IsReusable => true;

    /// <inheritdoc />
    public IFilterMetadata CreateInstance(IServiceProvider serviceProvider)
    {
        ArgumentNullException.ThrowIfNull(serviceProvider);
        return new AxitechSignatureResourceFilter(serviceProvider.GetRequiredService<SignatureVerification>(), Policy);
    }
}
