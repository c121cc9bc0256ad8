using System.Net;
using System.Text.Json;
using Axitech.Gateway.Configuration;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>A misspelt key stops start-up and is refused on a reload, with the message check-config prints.</summary>
public sealed class UnknownKeyTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task MisspeltDeliveryMode_StopsStartup_NamingTheKnownKey()
    {
        var ex = await Assert.ThrowsAsync<GatewayConfigurationException>(() => TestGateway.StartAsync(c => c["ReverseProxy:Routes:claims:Metadata:WebhookDelivry"] = "Queue"));

        Assert.Contains("ReverseProxy:Routes:claims:Metadata:WebhookDelivry — did you mean WebhookDelivery?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MisspeltPolicyKeyInAReload_IsRefused_AndTheRunningConfigurationStays()
    {
        await using var gateway = await TestGateway.StartAsync(
            c => c.Remove("Webhooks:Policies:axitech:Secrets:0"),
            appsettingsJson: PolicyFile("\"Tolerance\": \"00:01:00\""));
        using var before = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_file"));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), PolicyFile("\"Tolernce\": \"00:10:00\""));
        string body = string.Empty;
        await Eventually.UntilAsync(
            async () =>
            {
                using var ready = await gateway.Management.GetAsync("/readyz");
                using var health = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
                body = string.Join(" ", health.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.TryGetProperty("description", out var d) ? d.GetString() : null));
                return body.Contains("refused", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(20),
            "The reload with a misspelt key was not refused within 20 seconds.");

        // Still the running policy: a delivery 3 minutes old is outside its 1-minute tolerance (the default, 5 minutes, would take it).
        using var stale = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_file", timestamp: WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow().AddMinutes(-3))));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("Webhooks:Policies:axitech:Tolernce — did you mean Tolerance?", body, StringComparison.Ordinal);
    }

    private static string PolicyFile(string setting) => $$"""
        { "Webhooks": { "Policies": { "axitech": { "Secrets": [ "wh_sec_file" ], {{setting}} } } } }
        """;
}
