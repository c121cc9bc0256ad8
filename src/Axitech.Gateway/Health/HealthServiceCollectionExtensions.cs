using Axitech.Gateway.Listeners;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

internal static class HealthServiceCollectionExtensions
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    private const string ReadyTag = "ready";
    private const string LiveTag = "live";

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ListenerProbe>();
        services.AddHostedService(sp => sp.GetRequiredService<ListenerProbe>());
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("The process serves requests."), [LiveTag])
            .Add(new HealthCheckRegistration("listeners", sp => sp.GetRequiredService<ListenerProbe>(), HealthStatus.Unhealthy, [LiveTag]))
            .AddCheck<ConfigurationHealthCheck>("configuration", tags: [ReadyTag])
            .AddCheck<DeduplicationStoreHealthCheck>("deduplication-store", tags: [ReadyTag])
            .AddCheck<DeliveryQueueHealthCheck>("delivery-queue", tags: [ReadyTag])
            .AddCheck<DestinationHealthCheck>("destinations", tags: [ReadyTag]);
        return services;
    }

    /// <summary>/healthz (liveness) and /readyz (readiness), on the Management listener only.</summary>
    public static IEndpointRouteBuilder MapGatewayHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).WithMetadata(ManagementEndpointMetadata.Instance).WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));

        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).WithMetadata(ManagementEndpointMetadata.Instance).WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        return endpoints;
    }
}
