namespace Axitech.Gateway.CommandTests;

/// <summary>Issue 17: the gateway warns at start-up about a secret with a trailing newline, and still starts.</summary>
public sealed class SecretWhitespaceStartupTests : IDisposable
{
    private const string Secret = "wh_sec_startup_trailing_newline";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-startup-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Gateway_SecretWithATrailingNewline_StartsAndLogsAWarningNamingTheKeyNotTheSecret()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), $$"""
            {
              "Webhooks": { "Policies": { "claims": { "Secrets": [ "{{Secret}}\n" ] } } },
              "ReverseProxy": {
                "Routes": { "claims": { "ClusterId": "claims-svc", "Match": { "Path": "/webhooks/claims" }, "Metadata": { "WebhookPolicy": "claims" } } },
                "Clusters": { "claims-svc": { "Destinations": { "a": { "Address": "http://127.0.0.1:9" } } } }
              }
            }
            """);
        // The file's configuration only, and the endpoints (port 0).
        await using var gateway = await GatewayProcess.StartAsync(configure: c => c.Clear(), environmentName: "Production", configDirectory: _directory.FullName);

        Assert.Contains("[1004]", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("Webhook policy 'claims': Webhooks:Policies:claims:Secrets:0 has leading or trailing whitespace", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, gateway.Output, StringComparison.Ordinal);
    }
}
