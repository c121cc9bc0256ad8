using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing;
using Axitech.Webhooks;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// What ships, and docs/deployment.md followed as written: the published folder carries no Development settings and no
/// demo secret; the <c>docker run</c> example's mounted configuration reaches ready; the systemd page's check command
/// passes against a root-only environment file created by the page's own steps.
/// </summary>
public sealed partial class PublishedGatewayTests(PublishedGateway published) : IClassFixture<PublishedGateway>, IDisposable
{
    private const string Secret = "wh_sec_published_folder_0123456789";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-deployment-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Publish_HoldsNoDevelopmentSettingsAndNoDemoSecret()
    {
        // The demo secrets as the Development file has them, so that a new one is looked for too.
        var demoSecrets = new ConfigurationBuilder().AddJsonFile(RepositoryRoot.File("config/appsettings.Development.json")).Build()
            .GetSection("Webhooks:Policies").GetChildren().SelectMany(p => p.GetSection("Secrets").GetChildren()).Select(s => s.Value!).ToList();
        var files = Directory.EnumerateFiles(published.Directory, "*", SearchOption.AllDirectories).ToList();

        Assert.NotEmpty(demoSecrets);
        Assert.Contains(Path.Combine(published.Directory, "config", "appsettings.json"), files);
        Assert.DoesNotContain(files, f => Path.GetFileName(f).Contains(".Development.", StringComparison.OrdinalIgnoreCase));
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            foreach (var secret in demoSecrets)
            {
                // As text (UTF-8) and as a string literal in an assembly (UTF-16).
                Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0 || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)) >= 0, $"{file} holds the demo secret.");
            }
        }
    }

    [Fact]
    public async Task DockerRunExample_ThePublishedFolderWithTheMountedConfiguration_ReachesReady()
    {
        var docs = await File.ReadAllTextAsync(RepositoryRoot.File("docs/deployment.md"));
        var mounted = Directory.CreateDirectory(Path.Combine(_directory.FullName, "gateway-config")).FullName;
        await File.WriteAllTextAsync(Path.Combine(mounted, "appsettings.json"), DockerConfiguration(docs));
        // docker run -e NAME="$AXITECH_SECRET": the image's environment, the mount as AXGW_CONFIG_DIR, and ports of our own.
        var secretVariable = Assert.Single(DockerSecretVariable().Matches(docs)).Groups[1].Value;
        var startInfo = GatewayExecutable.CreateStartInfo(
            ["--Kestrel:Endpoints:Public:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Management:Url=http://127.0.0.1:0"],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                [GatewayHostSettings.ConfigDirectoryVariable] = mounted,
                [secretVariable] = Secret,
            });
        startInfo.ArgumentList[0] = published.DllPath;
        startInfo.WorkingDirectory = published.Directory;

        await using var gateway = await GatewayProcess.StartAsync(startInfo);
        using var client = new HttpClient { BaseAddress = gateway.ManagementUrl };
        await Eventually.UntilAsync(
            async () =>
            {
                using var ready = await client.GetAsync("/readyz");
                return ready.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            () => $"/readyz did not answer 200. Output:{Environment.NewLine}{gateway.Output}");
        using var route = await new HttpClient { BaseAddress = gateway.PublicUrl }.PostAsync("/webhooks/claims", new StringContent("{}"));

        // The route is there: an unsigned delivery is refused by its policy, not answered 404.
        Assert.Equal(HttpStatusCode.Unauthorized, route.StatusCode);
        Assert.DoesNotContain(Secret, gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SystemdPagesSteps_CreateARootOnlySecretsFile_AndItsCheckCommandPassesWithIt()
    {
        var docs = await File.ReadAllTextAsync(RepositoryRoot.File("docs/deployment.md"));
        var section = docs[docs.IndexOf("## A published folder under systemd", StringComparison.Ordinal)..docs.IndexOf("## Kubernetes", StringComparison.Ordinal)];
        var steps = ShellBlock().Matches(section).SelectMany(m => m.Groups[1].Value.Split('\n'))
            .Where(l => l.Contains("secrets.env", StringComparison.Ordinal) && !l.TrimStart().StartsWith('#'))
            .ToList();
        // The page's steps up to its check; after it, the gateway is started.
        steps = [.. steps.Take(steps.FindIndex(l => l.Contains("check-config", StringComparison.Ordinal)) + 1)];
        var check = Assert.Single(steps, l => l.Contains("check-config", StringComparison.Ordinal));
        Assert.Equal(3, steps.Count); // create with owner and mode, write the secret, check
        var etc = Directory.CreateDirectory(Path.Combine(_directory.FullName, "etc")).FullName;
        // "Edit appsettings.json": the route the container section starts from; its policy's secret is in the file only.
        await File.WriteAllTextAsync(Path.Combine(etc, "appsettings.json"), DockerConfiguration(docs));

        var result = await RunAsRootAsync(steps, etc);
        var withoutTheFile = await RunAsRootAsync([check.Replace(" --env-file /etc/axitech-gateway/secrets.env", string.Empty, StringComparison.Ordinal)], etc);
        var owner = await Shell.RunAsync($"stat -c '%u %a' '{Path.Combine(etc, "secrets.env")}'");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("The configuration is valid: 1 route, 1 policy, 1 cluster.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"secret[0] {WebhookSecret.ComputeFingerprint(Secret)}", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Equal("0 600", owner.StandardOutput.Trim());
        Assert.Equal(1, withoutTheFile.ExitCode);
        Assert.Contains("Webhook policy 'claims' has no secret", withoutTheFile.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The docs' lines, with the page's folders moved to this test's, run as root (the tests run as root; sudo is then a no-op where it is not installed).</summary>
    private Task<CommandResult> RunAsRootAsync(IEnumerable<string> lines, string etc)
        => Shell.RunAsync(
            "set -e\ncommand -v sudo >/dev/null 2>&1 || sudo() { \"$@\"; }\n"
                + string.Join('\n', lines).Replace("/opt/axitech-gateway", published.Directory, StringComparison.Ordinal).Replace("/etc/axitech-gateway", etc, StringComparison.Ordinal),
            new Dictionary<string, string?> { ["AXITECH_SECRET"] = Secret, ["ASPNETCORE_ENVIRONMENT"] = null, ["DOTNET_ENVIRONMENT"] = null, ["AXGW_CONFIG_DIR"] = null, ["AXGW_SECRETS_DIR"] = null });

    private static string DockerConfiguration(string docs) => DockerConfigurationFile().Match(docs) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("docs/deployment.md has no `cat > gateway-config/appsettings.json <<'JSON'` example.");

    [GeneratedRegex(@"cat > gateway-config/appsettings\.json <<'JSON'\n(.*?)\nJSON\n", RegexOptions.Singleline)]
    private static partial Regex DockerConfigurationFile();

    [GeneratedRegex(@"-e (\w+)=""\$AXITECH_SECRET""")]
    private static partial Regex DockerSecretVariable();

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
