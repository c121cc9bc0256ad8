using System.Net;

namespace Axitech.Gateway.FunctionalTests.Configuration;

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

    private static string PolicyFile(string secret) => $$"""
        { "Webhooks": { "Policies": { "axitech": { "Secrets": [ "{{secret}}" ] } } } }
        """;

    private static Task Applied(Func<Task<bool>> condition)
        => Eventually.UntilAsync(condition, TimeSpan.FromSeconds(20), "The configuration change was not applied within 20 seconds.", TimeSpan.FromMilliseconds(200));
}
