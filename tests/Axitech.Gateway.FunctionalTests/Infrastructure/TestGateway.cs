using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The real gateway on Kestrel (in this process, on free loopback ports) in front of a real recording upstream.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    public const string Secret = "wh_sec_functional_tests_secret";
    public const string OtherSecret = "wh_sec_functional_tests_other";
    public const string ClaimsPath = "/webhooks/claims";
    public const string OtherPath = "/webhooks/other";

    private readonly bool _ownsUpstream;

    private TestGateway(WebApplication app, RecordingUpstream upstream, bool ownsUpstream, int publicPort, int managementPort, string configDirectory)
    {
        App = app;
        Upstream = upstream;
        _ownsUpstream = ownsUpstream;
        PublicPort = publicPort;
        ManagementPort = managementPort;
        ConfigDirectory = configDirectory;
        Client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{publicPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        Management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public RecordingUpstream Upstream { get; }

    public int PublicPort { get; }

    public int ManagementPort { get; }

    public string ConfigDirectory { get; }

    public HttpClient Client { get; }

    public HttpClient Management { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// The configuration the tests start from: policy <c>axitech</c> on route <c>claims</c>
    /// (<c>/webhooks/claims/{**rest}</c>), policy <c>other</c> on route <c>other</c>, both to the upstream; failure
    /// throttling off (tests that need it turn it on).
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

    /// <param name="configure">Changes to <see cref="DefaultConfiguration"/> (set a value to null to remove it).</param>
    /// <param name="upstream">An upstream to share (e.g. between two gateways); a new one otherwise.</param>
    /// <param name="appsettingsJson">The content of appsettings.json in the gateway's config folder (hot reload tests).</param>
    public static async Task<TestGateway> StartAsync(
        Action<Dictionary<string, string?>>? configure = null,
        RecordingUpstream? upstream = null,
        Action<IServiceCollection>? services = null,
        string? appsettingsJson = null)
    {
        var ownsUpstream = upstream is null;
        upstream ??= await RecordingUpstream.StartAsync();
        var configuration = DefaultConfiguration(upstream.Address);
        configure?.Invoke(configuration);

        var configDirectory = Directory.CreateTempSubdirectory("axgw-test-").FullName;
        if (appsettingsJson is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(configDirectory, "appsettings.json"), appsettingsJson);
        }

        // Ports are picked just before binding; a collision with another process is retried.
        for (var attempt = 0; ; attempt++)
        {
            var publicPort = FreePort.Next();
            var managementPort = FreePort.Next();
            var overrides = new Dictionary<string, string?>(configuration)
            {
                ["Kestrel:Endpoints:Public:Url"] = $"http://127.0.0.1:{publicPort}",
                ["Kestrel:Endpoints:Management:Url"] = $"http://127.0.0.1:{managementPort}",
            };
            foreach (var key in configuration.Where(p => p.Value is null).Select(p => p.Key))
            {
                overrides.Remove(key);
            }

            var app = GatewayApplication.Build(new GatewayHostSettings
            {
                ConfigDirectory = configDirectory,
                EnvironmentName = "Testing",
                ReadEnvironment = false,
                Overrides = overrides,
                ConfigureServices = services,
            });
            try
            {
                await app.StartAsync();
                return new TestGateway(app, upstream, ownsUpstream, publicPort, managementPort, configDirectory);
            }
            catch (IOException) when (attempt < 3)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>Sends a signed delivery to the Public endpoint.</summary>
    public Task<HttpResponseMessage> SendAsync(SignedRequest request, bool chunked = false, CancellationToken cancellationToken = default)
        => Client.SendAsync(request.ToHttpRequest(PublicPort, chunked), cancellationToken);

    /// <summary>Signs a fresh unique delivery to <paramref name="target"/> and sends it.</summary>
    public Task<HttpResponseMessage> SendNewAsync(string target = ClaimsPath + "/events")
        => SendAsync(SignedRequest.Create(target));

    public async Task<string> ScrapeMetricsAsync()
    {
        using var response = await Management.GetAsync("/metrics");
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

        try
        {
            Directory.Delete(ConfigDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
