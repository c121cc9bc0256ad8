using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>The MVC side of <see cref="AxitechSignatureAttribute"/>: a resource filter, which runs before model binding.</summary>
internal sealed class AxitechSignatureResourceFilter : IAsyncResourceFilter
{
    private readonly SignatureVerification _verification;
    private readonly string _policy;

    public AxitechSignatureResourceFilter(SignatureVerification verification, string policy)
    {
        _verification = verification;
        _policy = policy;
    }

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        if (await _verification.VerifyAsync(context.HttpContext, _policy).ConfigureAwait(false) is { } refusal)
        {
            await refusal.WriteAsync(context.HttpContext).ConfigureAwait(false);
            context.Result = new EmptyResult();
            return;
        }

        await next().ConfigureAwait(false);
    }
}
