using Axitech.Webhooks.AspNetCore;

// In the namespace of the endpoint builders, as ASP.NET Core's own RequireX methods are.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Protects minimal API endpoints: <c>app.MapPost(…).RequireAxitechSignature("axitech").RequireDeliveryIdempotency()</c>.</summary>
public static class AxitechWebhooksEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Verifies every request to the endpoint under the policy <c>Webhooks:Policies:{policy}</c> before anything reads its
    /// body: a refusal is answered as the Axitech gateway answers it (401 with the reason, 413, 400, 408, as
    /// <c>application/problem+json</c>) and the handler does not run; a verified request reaches the handler with its
    /// body unread.
    /// </summary>
    /// <param name="builder">The endpoint (or group) to protect.</param>
    /// <param name="policy">The name of a policy under <c>Webhooks:Policies</c>.</param>
    public static TBuilder RequireAxitechSignature<TBuilder>(this TBuilder builder, string policy)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(policy);
        builder.WithMetadata(new AxitechSignatureMetadata(policy));
        WebhookEndpointPipeline.Apply(builder);
        return builder;
    }

    /// <summary>
    /// Processes each delivery once, keyed on <c>X-Axitech-Delivery-Id</c> (requests without it run as usual): a repeat of
    /// a delivery the handler completed with 2xx is answered with the same status and <c>X-Axitech-Duplicate: true</c>
    /// without running the handler; a repeat arriving while the first still runs is answered 409 (the gateway retries
    /// it); a handler that failed or threw leaves the id free. Ids are kept in the app's <c>IDistributedCache</c> for
    /// <see cref="DeliveryIdempotencyOptions.Retention"/>. Requires <see cref="RequireAxitechSignature"/> on the same
    /// endpoint, which always runs first.
    /// </summary>
    /// <param name="builder">The endpoint (or group) to protect.</param>
    public static TBuilder RequireDeliveryIdempotency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new DeliveryIdempotencyMetadata());
        WebhookEndpointPipeline.Apply(builder);
        return builder;
    }
}
