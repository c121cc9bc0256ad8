using System.Net;

namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>The samples in config/ are real: the gateway starts with each of them and serves what they describe.</summary>
public sealed class ConfigSamplesTests
{
    [Fact]
    public async Task ProductionExample_StartsWithSecretsFromTheEnvironment_AndVerifiesBothRotatedSecrets()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var json = await File.ReadAllTextAsync(RepositoryRoot.File("config/appsettings.Production.example.json"));
        await using var gateway = await TestGateway.StartAsync(
            c =>
            {
                c.Clear();
                c["Webhooks:Policies:claims:Secrets:0"] = "wh_sec_claims_old";
                c["Webhooks:Policies:claims:Secrets:1"] = "wh_sec_claims_new";
                c["Webhooks:Policies:fnol:Secrets:0"] = "wh_sec_fnol";
                c["ReverseProxy:Clusters:claims:Destinations:claims-a:Address"] = upstream.Address;
                c["ReverseProxy:Clusters:claims:Destinations:claims-b:Address"] = upstream.Address;
                c["ReverseProxy:Clusters:claims:HealthCheck:Active:Enabled"] = "false";
                c["ReverseProxy:Clusters:fnol:Destinations:fnol:Address"] = upstream.Address;
                c["Gateway:TrustedProxies:0"] = "127.0.0.1";
            },
            upstream,
            appsettingsJson: json);

        // The ingress stripped /axitech: the sender signed /axitech/webhooks/claims.
        using var old = await gateway.SendAsync(SignedRequest.Create("/webhooks/claims", secret: "wh_sec_claims_old", signedTarget: "/axitech/webhooks/claims"));
        using var rotated = await gateway.SendAsync(SignedRequest.Create("/webhooks/claims", secret: "wh_sec_claims_new", signedTarget: "/axitech/webhooks/claims"));
        using var fnol = await gateway.SendAsync(SignedRequest.Create("/webhooks/fnol/v1", secret: "wh_sec_fnol"));
        using var ready = await gateway.Management.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fnol.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(3, upstream.Received.Count);
    }

    [Fact]
    public async Task DefaultAppsettings_StartsWithoutRoutes_AndReportsNotReady()
    {
        var json = await File.ReadAllTextAsync(RepositoryRoot.File("config/appsettings.json"));
        await using var gateway = await TestGateway.StartAsync(c => c.Clear(), appsettingsJson: json);

        using var live = await gateway.Management.GetAsync("/healthz");
        using var ready = await gateway.Management.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("No webhook routes", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevelopmentDemo_AcceptsTheVendorSampleSignedWithTheDemoSecret()
    {
        var json = await File.ReadAllTextAsync(RepositoryRoot.File("config/appsettings.Development.json"));
        // The demo's cluster names the echo receiver's address, so its port is chosen before the start (not 0).
        await using var gateway = await PortCollision.RetryAsync(echoPort => TestGateway.StartAsync(
            c =>
            {
                c.Clear();
                c["Demo:EchoReceiverUrl"] = $"http://127.0.0.1:{echoPort}";
                c["ReverseProxy:Clusters:demo-echo:Destinations:echo:Address"] = $"http://127.0.0.1:{echoPort}";
            },
            appsettingsJson: json));
        var sample = await File.ReadAllBytesAsync(RepositoryRoot.File("config/samples/session.submitted.json"));

        using var accepted = await gateway.SendAsync(SignedRequest.Create("/webhooks/demo", sample, secret: "wh_sec_demo_only_not_a_real_secret"));
        var tamperedBody = (byte[])sample.Clone();
        tamperedBody[^5] ^= 1;
        var genuine = SignedRequest.Create("/webhooks/demo", sample, secret: "wh_sec_demo_only_not_a_real_secret");
        using var tampered = await gateway.SendAsync(genuine with { Body = tamperedBody });

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains($"\"bodyBytes\":{sample.Length}", await accepted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
    }
}
