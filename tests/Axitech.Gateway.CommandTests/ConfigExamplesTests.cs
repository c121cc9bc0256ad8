using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// Every example configuration passes <c>check-config</c>: the files under config/, the Kubernetes ConfigMap's, and
/// every JSON configuration in the docs. An example leaves its secrets out (they belong in the environment or a
/// secrets folder), and a docs fragment shows one part; the test gives each what it leaves out — a secret for every
/// policy without one, a destination for a named cluster it does not show, the certificate files it names — and
/// nothing else, so a misspelt key in an example fails here.
/// </summary>
public sealed partial class ConfigExamplesTests : IDisposable
{
    private static readonly string[] _sections = ["Kestrel", "Webhooks", "Gateway", "ReverseProxy", "Logging", "Deduplication", "ConnectionStrings"];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-examples-");

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>Each example: where it is, and its JSON.</summary>
    public static TheoryData<string> Examples()
    {
        var examples = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot.File("config"), "appsettings*.json").Order(StringComparer.Ordinal))
        {
            examples.Add(Path.GetRelativePath(RepositoryRoot.Path, file));
        }

        examples.Add("deploy/kubernetes/base/appsettings.json");
        foreach (var (name, _) in DocsExamples())
        {
            examples.Add(name);
        }

        return examples;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_PassesCheckConfig(string example)
    {
        var json = example.Contains('#', StringComparison.Ordinal) ? DocsExamples().Single(e => e.Name == example).Json : await File.ReadAllTextAsync(RepositoryRoot.File(example));
        var environmentName = example.EndsWith(".Development.json", StringComparison.Ordinal) ? "Development" : "Production";
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "appsettings.json"), WithCertificates(json));

        var leftOut = WhatTheExampleLeavesOut(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build());
        if (example.StartsWith("deploy/kubernetes/", StringComparison.Ordinal))
        {
            // As the pod gets them: a Secret mounted as a folder of one file per key, named by AXGW_SECRETS_DIR.
            var secrets = Directory.CreateDirectory(Path.Combine(_directory.FullName, "secrets")).FullName;
            foreach (var (name, value) in leftOut)
            {
                await File.WriteAllTextAsync(Path.Combine(secrets, name), value);
            }

            leftOut = new() { [GatewayHostSettings.SecretsDirectoryVariable] = secrets };
        }

        var result = await GatewayExecutable.RunAsync(["check-config", "--config-dir", _directory.FullName, "--environment", environmentName], leftOut);

        Assert.True(result.ExitCode == 0, $"{example} does not pass check-config:{Environment.NewLine}{result}");
        Assert.Contains("The configuration is valid", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDocsExamples_AreFound()
    {
        var names = DocsExamples().Select(e => e.Name).ToList();

        // The container's mounted configuration, a queued route, and the TLS endpoint; not the health answer.
        Assert.Contains(names, n => n.StartsWith("docs/deployment.md#", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("docs/durable-delivery.md#", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("docs/hardening.md#", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.StartsWith("docs/operations.md#", StringComparison.Ordinal));
    }

    /// <summary>
    /// The JSON configurations in README.md and docs/: ```json blocks and files written by a here-document
    /// (<c>cat &gt; x.json &lt;&lt;'JSON'</c>), a fragment (<c>"ReverseProxy": { … }</c>) in braces; those whose top-level keys are
    /// configuration sections. Named <c>docs/page.md#line</c>.
    /// </summary>
    private static IEnumerable<(string Name, string Json)> DocsExamples()
    {
        var pages = Directory.EnumerateFiles(RepositoryRoot.File("docs"), "*.md").Append(RepositoryRoot.File("README.md")).Order(StringComparer.Ordinal);
        foreach (var page in pages)
        {
            var text = File.ReadAllText(page).Replace("\r\n", "\n", StringComparison.Ordinal);
            foreach (var match in JsonBlock().Matches(text).Concat(JsonHereDocument().Matches(text)).OrderBy(m => m.Index))
            {
                var json = match.Groups["json"].Value.Trim();
                json = json.StartsWith('"') ? "{" + json + "}" : json;
                JsonNode? parsed;
                try
                {
                    parsed = JsonNode.Parse(json, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
                }
                catch (System.Text.Json.JsonException)
                {
                    continue;
                }

                if (parsed is JsonObject { Count: > 0 } root && root.All(p => _sections.Contains(p.Key, StringComparer.OrdinalIgnoreCase)))
                {
                    var line = text.AsSpan(0, match.Index).Count('\n') + 1;
                    yield return ($"{Path.GetRelativePath(RepositoryRoot.Path, page).Replace('\\', '/')}#{line}", json);
                }
            }
        }
    }

    /// <summary>A secret for each policy the example names or defines without one; a destination for each cluster it names but does not show.</summary>
    private static Dictionary<string, string?> WhatTheExampleLeavesOut(IConfiguration example)
    {
        var routes = example.GetSection("ReverseProxy:Routes").GetChildren().ToList();
        var policies = example.GetSection("Webhooks:Policies").GetChildren().Select(p => p.Key)
            .Concat(routes.Select(r => r["Metadata:WebhookPolicy"]).OfType<string>())
            .Where(p => !example.GetSection($"Webhooks:Policies:{p}:Secrets").GetChildren().Any(s => !string.IsNullOrWhiteSpace(s.Value)))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var clusters = routes.Select(r => r["ClusterId"]).OfType<string>()
            .Where(c => !example.GetSection($"ReverseProxy:Clusters:{c}").Exists())
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return policies.Select(p => ($"Webhooks__Policies__{p}__Secrets__0", (string?)$"wh_sec_example_{p}"))
            .Concat(clusters.Select(c => ($"ReverseProxy__Clusters__{c}__Destinations__example__Address", (string?)"http://127.0.0.1:1/")))
            .ToDictionary(p => p.Item1, p => p.Item2);
    }

    /// <summary>The certificate files an example names, made here (a self-signed certificate), and the example pointed at them.</summary>
    private string WithCertificates(string json)
    {
        var certificate = Path.Combine(_directory.FullName, "tls.crt");
        var key = Path.Combine(_directory.FullName, "tls.key");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(TimeProvider.System.GetUtcNow().AddDays(-1), TimeProvider.System.GetUtcNow().AddDays(30));
        File.WriteAllText(certificate, created.ExportCertificatePem());
        File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        return CertificatePath().Replace(json, m => $"\"{m.Groups["key"].Value}\": \"{(m.Groups["key"].Value == "KeyPath" ? key : certificate)}\"");
    }

    [GeneratedRegex(@"^ *```json\n(?<json>.*?)^ *```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"cat > \S+\.json <<'(?<end>\w+)'\n(?<json>.*?)\n\k<end>\n", RegexOptions.Singleline)]
    private static partial Regex JsonHereDocument();

    [GeneratedRegex(@"""(?<key>Path|KeyPath)"": ""[^""]+\.(crt|key|pem|pfx)""")]
    private static partial Regex CertificatePath();
}
