using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Axitech.Gateway.FunctionalTests.Configuration;

[Collection(Telemetry.MetricsScrapeIsolation.Name)]
public sealed class RotationAndReloadTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task DuringRotation_BothTheOldAndTheNewSecretVerify()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:Secrets:1"] = "wh_sec_the_new_one");

        using var old = await gateway.SendAsync(SignedRequest.Create(Target));
        using var rotated = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_the_new_one"));
        using var neither = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_unknown"));

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, neither.StatusCode);
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }

    [Fact]
    public async Task SecretChangedInTheFile_AppliesWithoutRestart_AndAnInvalidReloadIsRefused()
    {
        await using var gateway = await TestGateway.StartAsync(
            c => c.Remove("Webhooks:Policies:axitech:Secrets:0"),
            appsettingsJson: PolicyFile("wh_sec_first"));

        using var before = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_first"));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), PolicyFile("wh_sec_second"));
        await Applied(async () =>
        {
            using var response = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_second"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        using var oldAfterReload = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_first"));
        Assert.Equal(HttpStatusCode.Unauthorized, oldAfterReload.StatusCode);

        // A reload that would leave the policy without a secret is refused: the last good secret stays in force.
        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), PolicyFile(string.Empty));
        await Applied(async () =>
        {
            using var ready = await gateway.Management.GetAsync("/readyz");
            return (await ready.Content.ReadAsStringAsync()).Contains("refused", StringComparison.Ordinal);
        });
        using var afterRefusedReload = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_second"));
        Assert.Equal(HttpStatusCode.OK, afterRefusedReload.StatusCode);
    }

    [Fact]
    public async Task RouteAddedInTheFile_IsServedWithoutRestart()
    {
        await using var gateway = await TestGateway.StartAsync(appsettingsJson: "{}");
        using var before = await gateway.SendAsync(SignedRequest.Create("/webhooks/added/x"));
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), $$"""
            {
              "ReverseProxy": {
                "Routes": {
                  "added": { "ClusterId": "upstream", "Match": { "Path": "/webhooks/added/{**rest}" }, "Metadata": { "WebhookPolicy": "axitech" } }
                }
              }
            }
            """);

        await Applied(async () =>
        {
            using var response = await gateway.SendAsync(SignedRequest.Create("/webhooks/added/x"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        Assert.Single(gateway.Upstream.Received);
    }

    [Fact]
    public async Task AFileAddingARouteBesideAnInvalidUnusedPolicy_ChangesNothing_UntilItIsFixed()
    {
        await using var gateway = await TestGateway.StartAsync(appsettingsJson: "{}");
        var config = Path.Combine(gateway.ConfigDirectory, "appsettings.json");

        // A valid new route and policy, and beside them a policy no route uses, with an empty secret.
        await File.WriteAllTextAsync(config, """
            {
              "Webhooks": { "Policies": { "added": { "Secrets": [ "wh_sec_added" ] }, "broken": { "Secrets": [ "" ] } } },
              "ReverseProxy": { "Routes": { "added": { "ClusterId": "upstream", "Match": { "Path": "/webhooks/added/{**rest}" }, "Metadata": { "WebhookPolicy": "added" } } } }
            }
            """);
        var refused = await WaitForReadyzAsync(gateway, body => body.Contains("refused", StringComparison.Ordinal));

        Assert.Contains("Webhooks:Policies:broken:Secrets:0", refused, StringComparison.Ordinal);
        using (var added = await gateway.SendAsync(SignedRequest.Create("/webhooks/added/x", secret: "wh_sec_added")))
        {
            // Not served: neither the route (YARP) nor the policy applied; not a 503 policy_unavailable.
            Assert.Equal(HttpStatusCode.NotFound, added.StatusCode);
        }

        using (var existing = await gateway.SendAsync(SignedRequest.Create(Target)))
        {
            Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
        }

        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum("axitech_gateway_config_reloads_total", ("result", "refused")) >= 1);
        Assert.Equal(1, scrape.Sum("axitech_gateway_config_reloads_total", ("result", "refused")));

        // Fixed: the whole file applies.
        await File.WriteAllTextAsync(config, """
            {
              "Webhooks": { "Policies": { "added": { "Secrets": [ "wh_sec_added" ] } } },
              "ReverseProxy": { "Routes": { "added": { "ClusterId": "upstream", "Match": { "Path": "/webhooks/added/{**rest}" }, "Metadata": { "WebhookPolicy": "added" } } } }
            }
            """);
        await Applied(async () =>
        {
            using var response = await gateway.SendAsync(SignedRequest.Create("/webhooks/added/x", secret: "wh_sec_added"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        Assert.DoesNotContain("refused", await WaitForReadyzAsync(gateway, body => !body.Contains("refused", StringComparison.Ordinal)), StringComparison.Ordinal);
        scrape = await gateway.ScrapeUntilAsync(s => s.Sum("axitech_gateway_config_reloads_total", ("result", "applied")) >= 1);
        Assert.Equal(1, scrape.Sum("axitech_gateway_config_reloads_total", ("result", "refused")));
    }

    [Fact]
    public async Task AFileRotatingASecretBesideARouteToAnUnknownCluster_ChangesNothing()
    {
        await using var gateway = await TestGateway.StartAsync(
            c => c.Remove("Webhooks:Policies:axitech:Secrets:0"),
            appsettingsJson: PolicyFile("wh_sec_first"));

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), """
            {
              "Webhooks": { "Policies": { "axitech": { "Secrets": [ "wh_sec_second" ] } } },
              "ReverseProxy": { "Routes": { "stray": { "ClusterId": "nowhere", "Match": { "Path": "/webhooks/stray/{**rest}" }, "Metadata": { "WebhookPolicy": "axitech" } } } }
            }
            """);
        var refused = await WaitForReadyzAsync(gateway, body => body.Contains("refused", StringComparison.Ordinal));

        Assert.Contains("nowhere", refused, StringComparison.Ordinal);
        using var rotated = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_second"));
        using var original = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_first"));
        Assert.Equal(HttpStatusCode.Unauthorized, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
    }

    [Fact]
    public async Task ASettingReadOnlyAtStartUp_ChangedInTheFile_IsLoggedAsNeedingARestart_AndTheRestApplies()
    {
        await using var gateway = await TestGateway.StartAsync(
            c => c.Remove("Webhooks:Policies:axitech:Secrets:0"),
            services: s => s.AddLogging(b => b.AddFakeLogging()),
            appsettingsJson: PolicyFile("wh_sec_first"));

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), """
            { "Gateway": { "ConnectionsPerClient": 7 }, "Webhooks": { "Policies": { "axitech": { "Secrets": [ "wh_sec_second" ] } } } }
            """);
        await Applied(async () =>
        {
            using var response = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_second"));
            return response.StatusCode == HttpStatusCode.OK;
        });

        var restart = Assert.Single(gateway.Services.GetFakeLogCollector().GetSnapshot(), r => r.Id.Id == 1005);
        Assert.Contains("Gateway:ConnectionsPerClient", restart.Message, StringComparison.Ordinal);
        Assert.Equal(100, gateway.Services.GetRequiredService<Axitech.Gateway.Configuration.GatewaySnapshotSource>().Current.Gateway.ConnectionsPerClient);
    }

    private static async Task<string> WaitForReadyzAsync(TestGateway gateway, Func<string, bool> condition)
    {
        var body = string.Empty;
        await Applied(async () =>
        {
            using var ready = await gateway.Management.GetAsync("/readyz");
            body = await ready.Content.ReadAsStringAsync();
            return ready.StatusCode == HttpStatusCode.OK && condition(body);
        });
        return body;
    }

    private static string PolicyFile(string secret) => $$"""
        { "Webhooks": { "Policies": { "axitech": { "Secrets": [ "{{secret}}" ] } } } }
        """;

    private static Task Applied(Func<Task<bool>> condition)
        => Eventually.UntilAsync(condition, TimeSpan.FromSeconds(20), "The configuration change was not applied within 20 seconds.", TimeSpan.FromMilliseconds(200));
}
