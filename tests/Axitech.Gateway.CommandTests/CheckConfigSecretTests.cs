using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

/// <summary>Issue 17: how <c>check-config</c> shows and checks secrets.</summary>
public sealed class CheckConfigSecretTests : IDisposable
{
    private const string CurrentSecret = "wh_sec_check_config_current_0123";
    private const string NextSecret = "wh_sec_check_config_next_4567";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-secrets-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task CheckConfig_BlankFirstSecret_LabelsTheOtherByItsConfigurationIndex()
    {
        WriteSettings($$"""{ "Secrets": [ "", "{{CurrentSecret}}" ] }""");

        var result = await CheckConfigAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"    secret[1] {WebhookSecret.ComputeFingerprint(CurrentSecret)}\n", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("secret[0]", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_SecretsGivenOnlyAtIndexesOneAndThreeByTheEnvironment_AreLabelledOneAndThree()
    {
        WriteSettings("""{ "Tolerance": "00:01:00" }""");

        var result = await CheckConfigAsync(new Dictionary<string, string?>
        {
            ["Webhooks__Policies__claims__Secrets__1"] = CurrentSecret,
            ["Webhooks__Policies__claims__Secrets__3"] = NextSecret,
        });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"    secret[1] {WebhookSecret.ComputeFingerprint(CurrentSecret)}\n    secret[3] {WebhookSecret.ComputeFingerprint(NextSecret)}\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_PrintsAShellLineThatComputesTheFingerprintItShows()
    {
        // A leading '-', a backslash sequence, a '%' directive, quotes and non-ASCII: what echo or a bare printf would mangle.
        const string Secret = "-wh_sec_%s\\n'quoted' \"ünïcödé €\"";
        WriteSettings("""{ "Tolerance": "00:01:00" }""");

        var result = await CheckConfigAsync(new Dictionary<string, string?> { ["Webhooks__Policies__claims__Secrets__0"] = Secret });

        Assert.True(result.ExitCode == 0, result.ToString());
        var fingerprint = WebhookSecret.ComputeFingerprint(Secret);
        Assert.Contains($"    secret[0] {fingerprint}\n", result.StandardOutput, StringComparison.Ordinal);
        var lines = result.StandardOutput.Split('\n');
        var explanation = Array.IndexOf(lines, "The fingerprint of a secret held in $SECRET, to compare:");
        Assert.True(explanation >= 0, result.ToString());
        var command = lines[explanation + 1].Trim();
        var shell = await Shell.RunAsync(command, new Dictionary<string, string?> { ["SECRET"] = Secret });
        Assert.True(shell.ExitCode == 0, shell.ToString());
        Assert.Equal(fingerprint + "\n", shell.StandardOutput);
        Assert.DoesNotContain(Secret, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_SecretsWithLeadingOrTrailingWhitespace_AreWarnedAboutByKeyAndNeverShown()
    {
        WriteSettings("""{ "Secrets": [ "wh_sec_trailing_newline\n", "wh_sec_clean", "\twh_sec_leading_tab" ] }""");

        var result = await CheckConfigAsync();

        // A warning, not a refusal: the configuration stays valid, as the gateway still starts with it.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [
                "warning: Webhook policy 'claims': Webhooks:Policies:claims:Secrets:0 has leading or trailing whitespace (a newline from `echo secret > file` or a secret made from such a file, for instance), which is part of the HMAC key: deliveries signed with the secret without it fail verification. Remove the whitespace.",
                "warning: Webhook policy 'claims': Webhooks:Policies:claims:Secrets:2 has leading or trailing whitespace (a newline from `echo secret > file` or a secret made from such a file, for instance), which is part of the HMAC key: deliveries signed with the secret without it fail verification. Remove the whitespace.",
            ],
            result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.All(["wh_sec_trailing", "wh_sec_clean", "wh_sec_leading"], s => Assert.DoesNotContain(s, result.AllOutput, StringComparison.Ordinal));
    }

    private Task<CommandResult> CheckConfigAsync(IReadOnlyDictionary<string, string?>? environment = null)
        => GatewayExecutable.RunAsync(["check-config", "--config-dir", _directory.FullName], environment);

    /// <summary>One policy, 'claims', with <paramref name="policyJson"/>, and one route to it.</summary>
    private void WriteSettings(string policyJson) => File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), $$"""
        {
          "Webhooks": { "Policies": { "claims": {{policyJson}} } },
          "ReverseProxy": {
            "Routes": { "claims": { "ClusterId": "claims-svc", "Match": { "Path": "/webhooks/claims" }, "Metadata": { "WebhookPolicy": "claims" } } },
            "Clusters": { "claims-svc": { "Destinations": { "a": { "Address": "http://claims:8080" } } } }
          }
        }
        """);
}
