using System.Collections.Concurrent;
using System.Net;
using Axitech.Gateway.Testing.Deliveries;
using Axitech.Gateway.Testing.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.Testing.Gateways;

/// <summary>
/// The real gateway (<see cref="GatewayApplication.Build"/>) on Kestrel in this process, in front of a real recording
/// upstream. Its endpoints bind port 0 and the ports they got are read back after the start: each named endpoint's
/// from its listen options, Management's as the one address left over (<see cref="IServerAddressesFeature"/>).
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    public const string Secret = "wh_sec_functional_tests_secret";
    public const string OtherSecret = "wh_sec_functional_tests_other";
    public const string ClaimsPath = "/webhooks/claims";
    public const string OtherPath = "/webhooks/other";

    /// <summary>The URL every endpoint of a test gateway binds: loopback, port 0 (the port the kernel gives).</summary>
    public const string AnyLoopbackPort = "http://127.0.0.1:0";

    private const string PublicEndpoint = "Public";
    private const string ManagementEndpoint = "Management";

    private readonly bool _ownsUpstream;
    private readonly IReadOnlyDictionary<string, int> _ports;

    private TestGateway(WebApplication app, RecordingUpstream upstream, bool ownsUpstream, IReadOnlyDictionary<string, int> ports, string configDirectory)
    {
        App = app;
        Upstream = upstream;
        _ownsUpstream = ownsUpstream;
        _ports = ports;
        ConfigDirectory = configDirectory;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{PublicPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        Management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public RecordingUpstream Upstream { get; }

    public int PublicPort => Port(PublicEndpoint);

    public int ManagementPort => Port(ManagementEndpoint);

    public string ConfigDirectory { get; }

    public HttpClient Client { get; }

    public HttpClient Management { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// The configuration the tests start from: policy <c>axitech</c> on route <c>claims</c>
    /// (<c>/webhooks/claims/{**rest}</c>), policy <c>other</c> on route <c>other</c>, both to the upstream; failure
    /// throttling off (tests that need it turn it on). <see cref="GatewayProcess"/> starts from it too.
    /// </summary>
    public static Dictionary<string, string?> DefaultConfiguration(string upstreamAddress) => new()
    {
        ["Webhooks:Policies:axitech:Secrets:0"] = Secret,
        ["Webhooks:Policies:other:Secrets:0"] = OtherSecret,
        ["ReverseProxy:Routes:claims:ClusterId"] = "upstream",
        ["ReverseProxy:Routes:claims:Match:Path"] = ClaimsPath + "/{**rest}",
        ["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = "axitech",
        ["ReverseProxy:Routes:other:ClusterId"] = "upstream",
        ["ReverseProxy:Routes:other:Match:Path"] = OtherPath + "/{**rest}",
        ["ReverseProxy:Routes:other:Metadata:WebhookPolicy"] = "other",
        ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = upstreamAddress,
        ["Gateway:FailureThrottling:Enabled"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Axitech.Gateway"] = "Warning",
    };

    /// <summary>
    /// The values a test gateway runs with: <see cref="DefaultConfiguration"/> changed by <paramref name="configure"/>
    /// (a value set to null is removed), with the Public and Management endpoints on <see cref="AnyLoopbackPort"/>.
    /// </summary>
    public static Dictionary<string, string?> Configuration(string upstreamAddress, Action<Dictionary<string, string?>>? configure)
    {
        var configuration = DefaultConfiguration(upstreamAddress);
        configure?.Invoke(configuration);
        configuration[$"Kestrel:Endpoints:{PublicEndpoint}:Url"] = AnyLoopbackPort;
        configuration[$"Kestrel:Endpoints:{ManagementEndpoint}:Url"] = AnyLoopbackPort;
        return configuration.Where(p => p.Value is not null).ToDictionary();
    }

    /// <param name="configure">Changes to <see cref="DefaultConfiguration"/> (set a value to null to remove it). An extra endpoint binds <see cref="AnyLoopbackPort"/> and is found with <see cref="Port"/>.</param>
    /// <param name="upstream">An upstream to share (e.g. between two gateways); a new one otherwise.</param>
    /// <param name="services">Last word on the services (a fake clock, an in-memory exporter).</param>
    /// <param name="appsettingsJson">The content of appsettings.json in the gateway's config folder.</param>
    /// <param name="watchConfigFiles">Whether the config folder is watched (hot reload); by default only when <paramref name="appsettingsJson"/> is given.</param>
    public static async Task<TestGateway> StartAsync(
        Action<Dictionary<string, string?>>? configure = null,
        RecordingUpstream? upstream = null,
        Action<IServiceCollection>? services = null,
        string? appsettingsJson = null,
        bool? watchConfigFiles = null)
    {
        var ownsUpstream = upstream is null;
        upstream ??= await RecordingUpstream.StartAsync();
        var configDirectory = Directory.CreateTempSubdirectory("axgw-test-").FullName;
        WebApplication? app = null;
        try
        {
            var configuration = Configuration(upstream.Address, configure);
            if (appsettingsJson is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(configDirectory, "appsettings.json"), appsettingsJson);
            }

            // Every endpoint but Management reports the options it was bound with (and so its port). Management's own
            // callback belongs to the gateway (it tells the listeners apart), so its port is the one left over.
            var named = configuration.Keys
                .Select(k => k.Split(':'))
                .Where(k => k is ["Kestrel", "Endpoints", _, "Url"] && k[2] != ManagementEndpoint)
                .Select(k => k[2])
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            var listenOptions = new ConcurrentDictionary<string, ListenOptions>(StringComparer.OrdinalIgnoreCase);
            app = GatewayApplication.Build(new GatewayHostSettings
            {
                ConfigDirectory = configDirectory,
                EnvironmentName = "Testing",
                ReadEnvironment = false,
                WatchConfigFiles = watchConfigFiles ?? appsettingsJson is not null,
                Overrides = configuration,
                ConfigureServices = s =>
                {
                    services?.Invoke(s);
                    s.PostConfigure<KestrelServerOptions>(kestrel =>
                    {
                        foreach (var name in named)
                        {
                            kestrel.ConfigurationLoader?.Endpoint(name, endpoint => listenOptions[name] = endpoint.ListenOptions);
                        }
                    });
                },
            });
            await app.StartAsync();

            var ports = listenOptions.ToDictionary(p => p.Key, p => p.Value.IPEndPoint?.Port ?? 0, StringComparer.OrdinalIgnoreCase);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            var others = addresses.Select(a => BindingAddress.Parse(a).Port).Where(p => !ports.ContainsValue(p)).Distinct().ToList();
            if (others.Count != 1 || !ports.ContainsKey(PublicEndpoint))
            {
                throw new InvalidOperationException($"Cannot tell the endpoints apart: bound {string.Join(", ", addresses)}; named {string.Join(", ", ports.Select(p => $"{p.Key} {p.Value}"))}.");
            }

            ports[ManagementEndpoint] = others[0];
            return new TestGateway(app, upstream, ownsUpstream, ports, configDirectory);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            if (ownsUpstream)
            {
                await upstream.DisposeAsync();
            }

            DeleteDirectory(configDirectory);
            throw;
        }
    }

    /// <summary>The port Kestrel bound for the endpoint <paramref name="endpointName"/> (<c>Kestrel:Endpoints:{name}</c>).</summary>
    public int Port(string endpointName)
        => _ports.TryGetValue(endpointName, out var port) ? port : throw new ArgumentException($"The gateway has no endpoint '{endpointName}'.", nameof(endpointName));

    /// <summary>Sends a signed delivery to the Public endpoint.</summary>
    public Task<HttpResponseMessage> SendAsync(SignedRequest request, bool chunked = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Client.SendAsync(request.ToHttpRequest(PublicPort, chunked), cancellationToken);
    }

    /// <summary>Signs a fresh unique delivery to <paramref name="target"/> and sends it.</summary>
    public Task<HttpResponseMessage> SendNewAsync(string target = ClaimsPath + "/events")
        => SendAsync(SignedRequest.Create(target));

    public async Task<string> ScrapeMetricsAsync()
    {
        using var response = await Management.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Management.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsUpstream)
        {
            await Upstream.DisposeAsync();
        }

        DeleteDirectory(ConfigDirectory);
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
