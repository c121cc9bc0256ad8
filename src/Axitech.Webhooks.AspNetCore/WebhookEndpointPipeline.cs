using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// Puts verification and idempotency in front of an endpoint's request delegate, in that order whatever order they were
/// asked for. It wraps the delegate rather than adding an <c>IEndpointFilter</c> because minimal APIs bind parameters
/// (a <c>[FromBody]</c> model reads the body) before endpoint filters run: verification must come first, on the raw
/// bytes. Applied as a "finally" convention, once the endpoint's own delegate exists.
/// </summary>
internal static class WebhookEndpointPipeline
{
    public static void Apply(IEndpointConventionBuilder builder)
    {
        builder.Finally(endpoint =>
        {
            // Both conventions register this; the first to run on an endpoint does the work for both.
            if (endpoint.Metadata.OfType<WebhookPipelineApplied>().Any())
            {
                return;
            }

            endpoint.Metadata.Add(new WebhookPipelineApplied());
            var signature = endpoint.Metadata.OfType<AxitechSignatureMetadata>().LastOrDefault();
            var idempotent = endpoint.Metadata.OfType<DeliveryIdempotencyMetadata>().Any();
            if (idempotent && signature is null)
            {
                // Fail closed: an unverified request must not claim, or be answered from, a delivery id.
                throw new InvalidOperationException(
                    $"Endpoint '{endpoint.DisplayName}' calls RequireDeliveryIdempotency() without RequireAxitechSignature(\"policy\"): add RequireAxitechSignature, so that only verified deliveries claim an id.");
            }

            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException($"Endpoint '{endpoint.DisplayName}' has no request delegate to protect.");
            var services = endpoint.ApplicationServices;
            var verification = services.GetRequiredService<SignatureVerification>();
            var idempotency = idempotent ? services.GetRequiredService<DeliveryIdempotency>() : null;
            var policy = signature!.Policy;
            _ = services.GetRequiredService<SignaturePolicies>().Get(policy); // an unknown policy fails here, at start-up
            endpoint.RequestDelegate = idempotency is null
                ? context => VerifyThenAsync(context, verification, policy, inner)
                : context => VerifyThenAsync(context, verification, policy, c => idempotency.InvokeAsync(c, inner));
        });
    }

    private static async Task VerifyThenAsync(HttpContext context, SignatureVerification verification, string policy, RequestDelegate next)
    {
        if (await verification.VerifyAsync(context, policy).ConfigureAwait(false) is { } refusal)
        {
            await refusal.WriteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private sealed record WebhookPipelineApplied;
}
