using Axitech.Gateway.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.FunctionalTests.Configuration;

[Collection(nameof(ProcessEnvironmentRunsAlone))]
public sealed class StartupValidationTests
{
    [Fact]
    public async Task RouteWithoutPolicy_StopsStartupNamingTheRoute()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => TestGateway.StartAsync(c => c["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = null));

        Assert.Contains("Route 'claims' has no webhook policy", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:Routes:claims:Metadata:WebhookPolicy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteNamingAnUnknownPolicy_StopsStartupNamingBoth()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => TestGateway.StartAsync(c => c["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = "axitek"));

        Assert.Contains("Route 'claims' names webhook policy 'axitek', which is not configured under Webhooks:Policies", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task PolicyWithoutANonBlankSecret_StopsStartupNamingThePolicy(string secret)
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => TestGateway.StartAsync(c => c["Webhooks:Policies:other:Secrets:0"] = secret));

        Assert.Contains("Webhook policy 'other' has no secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralProblems_AreAllListedAtOnce()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => TestGateway.StartAsync(c =>
        {
            c["Webhooks:Policies:other:Secrets:0"] = string.Empty;
            c["Webhooks:Policies:axitech:Tolerance"] = "-00:01:00";
            c["ReverseProxy:Routes:third:ClusterId"] = "upstream";
            c["ReverseProxy:Routes:third:Match:Path"] = "/third";
        }));

        Assert.Contains("'other' has no secret", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Tolerance", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Route 'third' has no webhook policy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurationFromTheEnvironmentAlone_IsEnough()
    {
        // No appsettings file at all: everything through the standard "__" mapping of environment variables. Only
        // this test's gateway reads the environment (the others set ReadEnvironment = false), and its class runs alone
        // (ProcessEnvironmentRunsAlone), so the variables cannot leak into another test.
        await using var upstream = await RecordingUpstream.StartAsync();
        var variables = new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Public__Url"] = TestGateway.AnyLoopbackPort,
            ["Kestrel__Endpoints__Management__Url"] = "http://127.0.0.2:0",
            ["Webhooks__Policies__envonly__Secrets__0"] = "wh_sec_from_the_environment",
            ["ReverseProxy__Routes__envroute__ClusterId"] = "envcluster",
            ["ReverseProxy__Routes__envroute__Match__Path"] = "/env/{**rest}",
            ["ReverseProxy__Routes__envroute__Metadata__WebhookPolicy"] = "envonly",
            ["ReverseProxy__Clusters__envcluster__Destinations__d__Address"] = upstream.Address,
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        var configDirectory = Directory.CreateTempSubdirectory("axgw-empty-");
        try
        {
            await using var app = GatewayApplication.Build(new GatewayHostSettings
            {
                ConfigDirectory = configDirectory.FullName,
                EnvironmentName = "Production",
                WatchConfigFiles = false,
            });
            await app.StartAsync();

            // Public is the endpoint on 127.0.0.1 (Management is on 127.0.0.2, both on port 0).
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            var publicPort = addresses.Select(BindingAddress.Parse).Single(a => a.Host == "127.0.0.1").Port;
            using var client = new HttpClient();
            using var response = await client.SendAsync(SignedRequest.Create("/env/x", secret: "wh_sec_from_the_environment").ToHttpRequest(publicPort));
            await app.StopAsync();

            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Single(upstream.Received);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            configDirectory.Delete(recursive: true);
        }
    }
}
