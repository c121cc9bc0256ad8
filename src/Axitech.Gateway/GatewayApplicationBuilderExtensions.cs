using Axitech.Gateway.Health;
using Axitech.Gateway.Listeners;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;

namespace Axitech.Gateway;

internal static class GatewayApplicationBuilderExtensions
{
    /// <summary>The request pipeline: listener separation, management endpoints, and YARP with verification first.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        if (app.Configuration.GetSection("Gateway:TrustedProxies").GetChildren().Any())
        {
            app.UseForwardedHeaders();
        }

        app.UseRouting();
        app.UseMiddleware<ListenerSegregationMiddleware>();
        app.MapGatewayHealthChecks();
        app.MapGatewayMetrics();
        app.MapReverseProxy(proxy =>
        {
            proxy.UseMiddleware<WebhookVerificationMiddleware>();
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }
}
