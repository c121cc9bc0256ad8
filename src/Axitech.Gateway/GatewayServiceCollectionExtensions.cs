using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Demo;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Health;
using Axitech.Gateway.Listeners;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway;

internal static class GatewayServiceCollectionExtensions
{
    private const string DisableBareLineFeedSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <summary>Everything the gateway host needs: Kestrel's two listeners, YARP, verification, duplicate protection, telemetry, health.</summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        var listeners = new GatewayListeners();
        services.AddSingleton(listeners);
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<GatewayOptions>().BindConfiguration("Gateway")
            .Validate(o => o.DrainTimeout > TimeSpan.Zero, "Gateway:DrainTimeout must be positive (the default is 00:00:30).")
            .Validate(o => o.FailureThrottling.PermitLimit > 0 && o.FailureThrottling.Window > TimeSpan.Zero, "Gateway:FailureThrottling:PermitLimit and Window must be positive.")
            .ValidateOnStart();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = configuration.GetValue("Gateway:DrainTimeout", TimeSpan.FromSeconds(30)));

        builder.AddKestrelListeners(listeners);
        builder.AddForwardedHeaders();

        services.AddSingleton<WebhookPolicyCatalog>();
        services.AddSingleton<FailureThrottle>();
        services.AddDeduplication(configuration);
        services.AddGatewayTelemetry(configuration, listeners);
        services.AddGatewayHealthChecks();

        // YARP's session affinity asks for data protection at start-up; webhooks need no affinity cookies. Keys stay
        // in memory, so a read-only container writes no key ring to disk (and logs no warning about one).
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new InMemoryXmlRepository();
            options.XmlEncryptor = new NullXmlEncryptor();
        });

        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection("ReverseProxy"))
            .AddTransforms<WebhookTransformProvider>();

        // YARP's forwarder HttpClient, with a handler that sends the verified body whole (BufferedBodyHandler).
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, BufferedBodyHttpClientFactory>());

        if (!string.IsNullOrWhiteSpace(configuration[EchoReceiver.UrlKey]))
        {
            services.AddHostedService<EchoReceiver>();
        }

        return builder;
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
        // two keys are read here.
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

        builder.WebHost.ConfigureKestrel((context, options) => options
            .Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: true)
            .Endpoint(GatewayDefaults.ManagementEndpointName, endpoint => listeners.AddManagement(endpoint.ListenOptions)));
    }

    private static void AddForwardedHeaders(this WebApplicationBuilder builder)
    {
        var trusted = builder.Configuration.GetSection("Gateway:TrustedProxies").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;

            // Nothing is trusted unless configured: not even loopback, which ASP.NET Core trusts by default.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var entry in trusted)
            {
                if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    options.KnownIPNetworks.Add(network);
                }
                else if (IPAddress.TryParse(entry, out var address))
                {
                    options.KnownProxies.Add(address);
                }
                else
                {
                    throw new GatewayConfigurationException($"Gateway:TrustedProxies entry '{entry}' is neither an IP address nor a CIDR network (for example 10.0.0.0/8).");
                }
            }
        });
    }
}
