using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

public sealed class CheckConfigCommandTests : IDisposable
{
    private const string ClaimsSecret = "wh_sec_claims_current_0123456789";
    private const string ClaimsNextSecret = "wh_sec_claims_next_9876543210";
    private const string AuditSecret = "wh_sec_audit_only_abcdef";

    private const string ValidConfiguration = $$"""
        {
          // Comments are allowed, as in the gateway's own files.
          "Webhooks": {
            "Policies": {
              "claims": { "Secrets": [ "{{ClaimsSecret}}" ], "Tolerance": "00:02:00", "Deduplication": { "Key": "event_type, data.sessionId" } },
              "audit": { "Secrets": [ "{{AuditSecret}}" ], "MaxBodyBytes": 65536, "SignedPathPrefix": "/axitech" }
            }
          },
          "ReverseProxy": {
            "Routes": {
              "claims": { "ClusterId": "claims-svc", "Match": { "Path": "/webhooks/claims" }, "Metadata": { "WebhookPolicy": "claims" } },
              "audit": { "ClusterId": "audit-svc", "Match": { "Path": "/webhooks/audit" }, "Metadata": { "WebhookPolicy": "audit" } }
            },
            "Clusters": {
              "claims-svc": { "Destinations": { "a": { "Address": "http://claims-a:8080" }, "b": { "Address": "http://claims-b:8080" } } },
              "audit-svc": { "Destinations": { "main": { "Address": "http://audit:9000" } } }
            }
          }
        }
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-config-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task CheckConfig_ValidConfiguration_PrintsEachRoutePolicyAndClusterWithFingerprintsOnly()
    {
        WriteSettings(ValidConfiguration);

        var result = await CheckConfigAsync(new Dictionary<string, string?> { ["Webhooks__Policies__claims__Secrets__1"] = ClaimsNextSecret });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("claims (/webhooks/claims) -> policy claims -> Forward -> cluster claims-svc [a http://claims-a:8080, b http://claims-b:8080]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("audit (/webhooks/audit) -> policy audit -> Forward -> cluster audit-svc [main http://audit:9000]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(ClaimsSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[1] {WebhookSecret.ComputeFingerprint(ClaimsNextSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(AuditSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("claims: tolerance 00:02:00, max body 1048576 bytes, dedup key event_type, data.sessionId", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("audit: tolerance 00:05:00, max body 65536 bytes, dedup key signature", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("signed path prefix /axitech", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("The configuration is valid: 2 routes, 2 policies, 2 clusters.", result.StandardOutput, StringComparison.Ordinal);
        Assert.All([ClaimsSecret, ClaimsNextSecret, AuditSecret], s => Assert.DoesNotContain(s, result.AllOutput, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckConfig_InvalidConfiguration_ExitsOneAndNamesThePolicyAndTheRouteToFix()
    {
        WriteSettings(ValidConfiguration
            .Replace($"\"{AuditSecret}\"", "\"  \"", StringComparison.Ordinal)
            .Replace("\"ClusterId\": \"claims-svc\"", "\"ClusterId\": \"claims-service\"", StringComparison.Ordinal));

        var result = await CheckConfigAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Webhook policy 'audit' has no secret: set Webhooks:Policies:audit:Secrets:0", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Route 'claims' names cluster 'claims-service', which is not configured under ReverseProxy:Clusters", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("The configuration is invalid: 3 problems.", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("The configuration is valid", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(ClaimsSecret, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_RouteWithoutAPolicyOrAMatch_IsInvalidWithYarpsOwnMessage()
    {
        WriteSettings(ValidConfiguration
            .Replace("\"Match\": { \"Path\": \"/webhooks/audit\" }, \"Metadata\": { \"WebhookPolicy\": \"audit\" }", "\"Metadata\": { }", StringComparison.Ordinal));

        var result = await CheckConfigAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Route 'audit' has no webhook policy: set ReverseProxy:Routes:audit:Metadata:WebhookPolicy", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Route 'audit' requires Hosts or Path specified", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_FileThatIsNotJson_ExitsOneNamingTheFile()
    {
        WriteSettings("{ \"Webhooks\": ");

        var result = await CheckConfigAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.Combine(_directory.FullName, "appsettings.json"), result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_DemoEnvironment_IsValidAndShowsTheDemoSecretsFingerprint()
    {
        var result = await GatewayExecutable.RunAsync("check-config", "--config-dir", GatewayExecutable.ConfigDirectory, "--environment", "Development");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("demo (/webhooks/demo) -> policy demo -> Forward -> cluster demo-echo", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(GatewayProcessFixture.DemoSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(GatewayProcessFixture.DemoSecret, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_QueuedRoute_ShowsQueueWithItsRateAndConcurrency_AndAMisspeltModeIsRefused()
    {
        WriteSettings(ValidConfiguration
            .Replace("\"Metadata\": { \"WebhookPolicy\": \"claims\" }", "\"Metadata\": { \"WebhookPolicy\": \"claims\", \"WebhookDelivery\": \"Queue\" }", StringComparison.Ordinal)
            .Replace("\"Metadata\": { \"WebhookPolicy\": \"audit\" }", "\"Metadata\": { \"WebhookPolicy\": \"audit\", \"WebhookDelivry\": \"Queue\" }", StringComparison.Ordinal));

        var result = await CheckConfigAsync(new Dictionary<string, string?> { ["Webhooks__Queue__MaxConcurrency"] = "6" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("claims (/webhooks/claims) -> policy claims -> Queue (rate unlimited, concurrency 6 per instance) -> cluster claims-svc", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("audit (/webhooks/audit) -> policy audit -> Forward", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("error: ReverseProxy:Routes:audit:Metadata:WebhookDelivry — did you mean WebhookDelivery?", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("The configuration is invalid: 1 problem.", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_PacedQueuedRoute_ShowsItsOwnRateAndConcurrency()
    {
        WriteSettings(ValidConfiguration.Replace(
            "\"Metadata\": { \"WebhookPolicy\": \"claims\" }",
            "\"Metadata\": { \"WebhookPolicy\": \"claims\", \"WebhookDelivery\": \"Queue\", \"WebhookDeliveryRate\": \"50\", \"WebhookDeliveryConcurrency\": \"8\" }",
            StringComparison.Ordinal));

        var result = await CheckConfigAsync(new Dictionary<string, string?> { ["Webhooks__Queue__MaxConcurrency"] = "6" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("claims (/webhooks/claims) -> policy claims -> Queue (rate 50/s, concurrency 8 per instance) -> cluster claims-svc", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_MisspeltPolicyKeyAndEnvironmentVariable_AreRefusedAndAnUnusedPolicyIsAWarning()
    {
        WriteSettings(ValidConfiguration.Replace("\"Tolerance\": \"00:02:00\"", "\"Tolernce\": \"00:02:00\"", StringComparison.Ordinal));

        var result = await CheckConfigAsync(new Dictionary<string, string?>
        {
            ["Gateway__DrainTimout"] = "00:00:10",
            ["Webhooks__Policies__claim__Secrets__0"] = ClaimsNextSecret,
        });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Webhooks:Policies:claims:Tolernce — did you mean Tolerance?", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("error: Gateway:DrainTimout — did you mean DrainTimeout?", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("warning: Webhook policy 'claim' (Webhooks:Policies:claim) is named by no route", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("The configuration is invalid: 2 problems.", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(ClaimsNextSecret, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_SecretsFolder_IsReadBetweenTheFilesAndTheEnvironment_AndAMissingOneIsRefused()
    {
        WriteSettings(ValidConfiguration.Replace($"\"{AuditSecret}\"", "\"\"", StringComparison.Ordinal));
        var secrets = Directory.CreateDirectory(Path.Combine(_directory.FullName, "secrets")).FullName;
        // Over the file's secret; under the environment's.
        File.WriteAllText(Path.Combine(secrets, "Webhooks__Policies__audit__Secrets__0"), AuditSecret + "\n");
        File.WriteAllText(Path.Combine(secrets, "Webhooks__Policies__claims__Secrets__0"), "wh_sec_from_the_folder");

        var result = await CheckConfigAsync(new Dictionary<string, string?>
        {
            [GatewayHostSettings.SecretsDirectoryVariable] = secrets,
            ["Webhooks__Policies__claims__Secrets__0"] = ClaimsNextSecret,
        });
        var missing = await CheckConfigAsync(new Dictionary<string, string?> { [GatewayHostSettings.SecretsDirectoryVariable] = Path.Combine(_directory.FullName, "absent") });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"then the secrets folder {secrets}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(AuditSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(ClaimsNextSecret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("warning: ", result.StandardError, StringComparison.Ordinal); // the file's trailing newline is not part of the secret
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.StandardError, StringComparison.Ordinal);
    }

    private Task<CommandResult> CheckConfigAsync(IReadOnlyDictionary<string, string?>? environment = null)
        => GatewayExecutable.RunAsync(["check-config", "--config-dir", _directory.FullName], environment);

    private void WriteSettings(string json) => File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), json);
}
