using Axitech.Gateway.DeliveryConsole;
using Axitech.Gateway.Health;
using Axitech.Gateway.Listeners;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Pipeline;

namespace Axitech.Gateway;

internal static class GatewayApplicationBuilderExtensions
{
    /// <summary>The request pipeline: listener separation, management endpoints, and YARP with verification first.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        if (app.Services.GetRequiredService<GatewaySnapshotSource>().Current.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseRouting();
        app.UseMiddleware<ListenerSegregationMiddleware>();
        app.MapGatewayConsole();
        app.MapGatewayHealthChecks();
        app.MapGatewayMetrics();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<WebhookMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
