using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.DeliveryConsole;
using Axitech.Gateway.Demo;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Health;
using Axitech.Gateway.Listeners;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Queue;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway;

internal static class GatewayServiceCollectionExtensions
{
    private const string DisableBareLineFeedSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <summary>
    /// Everything the gateway host needs, from a validated snapshot: Kestrel's listeners, YARP (running the snapshot's
    /// routes and clusters), the request stages, duplicate protection, telemetry, health.
    /// </summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder, GatewaySnapshot snapshot)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var listeners = new GatewayListeners();
        services.AddSingleton(listeners);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<GatewaySnapshotSource>(sp, snapshot));
        services.Configure<HostOptions>(o => o.ShutdownTimeout = snapshot.Gateway.DrainTimeout);

        builder.AddKestrelListeners(listeners);
        services.AddForwardedHeaders(snapshot);

        services.AddSingleton(_ => new FailureThrottle(snapshot.Gateway.FailureThrottling));
        services.AddSingleton(new UnverifiedBodyBudget(snapshot.Gateway.Limits));
        services.AddSingleton(sp => new BodyReader(sp.GetRequiredService<UnverifiedBodyBudget>(), sp.GetRequiredService<TimeProvider>(), snapshot.Gateway.Limits));
        services.AddSingleton<ClientConnectionLimit>();
        services.AddDeduplication(snapshot);
        services.AddDeliveryQueue(snapshot);
        services.AddGatewayTelemetry(configuration, listeners);
        services.AddGatewayHealthChecks();
        services.AddWebhookStages();
        services.AddGatewayConsole(snapshot);

        // YARP's session affinity asks for data protection at start-up; webhooks need no affinity cookies. Keys stay
        // in memory, so a read-only container writes no key ring to disk (and logs no warning about one).
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new InMemoryXmlRepository();
            options.XmlEncryptor = new NullXmlEncryptor();
        });

        // YARP runs the snapshot's routes and clusters: a reload applies with the rest of the snapshot, or not at all.
        services.AddReverseProxy().AddTransforms<WebhookTransformProvider>();
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, GatewayForwarderHttpClientFactory>());
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<GatewaySnapshotSource>());

        if (!string.IsNullOrWhiteSpace(configuration[EchoReceiver.UrlKey]))
        {
            services.AddHostedService<EchoReceiver>();
        }

        return builder;
    }

    private static void AddWebhookStages(this IServiceCollection services)
    {
        services.AddSingleton<RequestScreen>();

        services.AddSingleton<SignatureCheck>();
        services.AddSingleton<DeliveryClaims>();
        services.AddSingleton<DeliveryForwarder>();
        services.AddSingleton<RejectionLog>();
        services.AddSingleton<WebhookAnswers>();
    }

    private static void AddKestrelListeners(this WebApplicationBuilder builder, GatewayListeners listeners)
    {
        // A bare LF as a line ending is refused (400). RFC 9112 §2.2 lets a recipient accept it and Kestrel does by
        // default, but the Public endpoint faces the internet, often behind a proxy that may read the same bytes
        // differently: framing that two parsers disagree on is how requests are smuggled. Kestrel reads the switch
        // when its options are created; a value set in runtimeconfig.json wins.
        if (!AppContext.TryGetSwitch(DisableBareLineFeedSwitch, out _))
        {
            AppContext.SetSwitch(DisableBareLineFeedSwitch, true);
        }

        var kestrel = builder.Configuration.GetSection("Kestrel");

        // Limits (Kestrel:Limits:*) are bound the standard way; MinDataRate has no parameterless constructor, so its
        // two keys are read here (the snapshot validated them).
        builder.Services.Configure<KestrelServerOptions>(kestrel);
        builder.Services.PostConfigure<KestrelServerOptions>(options =>
        {
            var rate = kestrel.GetSection("Limits:MinRequestBodyDataRate");
            if (rate.Exists())
            {
                options.Limits.MinRequestBodyDataRate = rate.GetValue<double?>("BytesPerSecond") is > 0 and { } bytesPerSecond
                    ? new MinDataRate(bytesPerSecond, rate.GetValue("GracePeriod", TimeSpan.FromSeconds(5)))
                    : null;
            }
        });

        // Endpoints are read at start-up only (a changed URL or certificate is logged as needing a restart): a reload
        // must not rebind listeners half-way through a snapshot that is then refused.
        builder.WebHost.ConfigureKestrel((context, options) =>
        {
            var connectionLimit = options.ApplicationServices.GetRequiredService<ClientConnectionLimit>();
            options.ConfigureEndpointDefaults(listen => listen.Use(next => connectionLimit.Wrap(next, options.Limits)));
            options.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: false)
                .Endpoint(GatewayDefaults.ManagementEndpointName, endpoint => listeners.AddManagement(endpoint.ListenOptions));
        });
    }

    private static void AddForwardedHeaders(this IServiceCollection services, GatewaySnapshot snapshot)
        => services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;

            // Nothing is trusted unless configured: not even loopback, which ASP.NET Core trusts by default.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in snapshot.TrustedProxies)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
}
