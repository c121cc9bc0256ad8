using Axitech.Webhooks.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// In the namespace of IServiceCollection, as ASP.NET Core's own AddX methods are: no using needed in Program.cs.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Axitech webhook verification and delivery idempotency: <c>builder.Services.AddAxitechWebhooks()</c>.</summary>
public static class AxitechWebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Webhooks:Policies</c> and <c>Webhooks:Idempotency</c> from the app's configuration, validated when the app
    /// starts (every problem listed at once); registers <see cref="TimeProvider.System"/> and the in-memory
    /// <c>IDistributedCache</c> unless the app registered its own (such as Redis, with <c>AddStackExchangeRedisCache</c>).
    /// </summary>
    /// <param name="services">The app's services.</param>
    public static IServiceCollection AddAxitechWebhooks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<AxitechWebhooksOptions>().BindConfiguration(AxitechWebhooksOptions.SectionName).ValidateOnStart();
        services.AddOptions<DeliveryIdempotencyOptions>().BindConfiguration(DeliveryIdempotencyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AxitechWebhooksOptions>, AxitechWebhooksOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryIdempotencyOptions>, AxitechWebhooksOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddDistributedMemoryCache();
        services.TryAddSingleton<SignaturePolicies>();
        services.TryAddSingleton<SignatureVerification>();
        services.TryAddSingleton<DeliveryIdempotency>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookEndpointCheck>());
        return services;
    }
}
