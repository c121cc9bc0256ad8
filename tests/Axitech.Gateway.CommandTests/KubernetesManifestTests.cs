using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Axitech.Gateway.Testing;
using Axitech.Gateway.Testing.Services;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// deploy/kubernetes: each overlay renders with <c>kubectl kustomize</c>, every object validates against the Kubernetes
/// API schemas (deploy/kubernetes/validate, npm <c>kubernetes-models</c>), and the rendered objects hold what
/// docs/deployment.md promises.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly TimeSpan _timeout = TimeSpan.FromMinutes(1);
    private static readonly string _validator = RepositoryRoot.File("deploy/kubernetes/validate/validate.mjs");

    [Theory]
    [InlineData("single")]
    [InlineData("replicas")]
    public async Task Overlay_RendersAndValidatesAgainstTheKubernetesSchemas_AndHoldsWhatTheDeploymentPagePromises(string overlay)
    {
        var objects = await RenderAndValidateAsync(RepositoryRoot.File($"deploy/kubernetes/overlays/{overlay}"));

        var workload = Single(objects, "StatefulSet");
        var template = workload["spec"]!["template"]!;
        var pod = template["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!;
        var replicas = workload["spec"]!["replicas"]!.GetValue<int>();
        Assert.True(overlay == "single" ? replicas == 1 : replicas >= 2, $"{overlay}: {replicas} replicas");

        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());

        // Probes on the Management port.
        var management = container["ports"]!.AsArray().Single(p => p!["containerPort"]!.GetValue<int>() == 9464)!["name"]!.GetValue<string>();
        Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(management, container["livenessProbe"]!["httpGet"]!["port"]!.ToString());
        Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(management, container["readinessProbe"]!["httpGet"]!["port"]!.ToString());
        Assert.NotNull(container["resources"]!["requests"]);
        Assert.NotNull(container["resources"]!["limits"]);

        // The grace period covers the drain the ConfigMap configures.
        var configMap = Single(objects, "ConfigMap");
        var drain = Configuration(configMap).GetValue("Gateway:DrainTimeout", TimeSpan.FromSeconds(30));
        Assert.True(pod["terminationGracePeriodSeconds"]!.GetValue<int>() >= drain.TotalSeconds + 5, $"terminationGracePeriodSeconds must be at least Gateway:DrainTimeout ({drain}) + 5 s");

        // Routes from the ConfigMap at the config folder; secrets from a Secret mounted as a folder, named by AXGW_SECRETS_DIR.
        var volumes = pod["volumes"]!.AsArray();
        var mounts = container["volumeMounts"]!.AsArray();
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());
        var configVolume = volumes.Single(v => v!["configMap"]?["name"]?.GetValue<string>() == configMap["metadata"]!["name"]!.GetValue<string>())!["name"]!.GetValue<string>();
        Assert.Equal(env[GatewayHostSettings.ConfigDirectoryVariable], mounts.Single(m => m!["name"]!.GetValue<string>() == configVolume)!["mountPath"]!.GetValue<string>());
        var secretVolume = volumes.Single(v => v!["secret"] is not null)!["name"]!.GetValue<string>();
        var secretMount = mounts.Single(m => m!["name"]!.GetValue<string>() == secretVolume)!;
        Assert.Equal(env[GatewayHostSettings.SecretsDirectoryVariable], secretMount["mountPath"]!.GetValue<string>());
        Assert.Null(secretMount["subPath"]);

        var annotations = template["metadata"]!["annotations"]!;
        Assert.Equal("true", annotations["prometheus.io/scrape"]!.GetValue<string>());
        Assert.Equal("9464", annotations["prometheus.io/port"]!.GetValue<string>());

        // A Service for Public and one for Management.
        var servicePorts = objects.Where(o => Kind(o) == "Service").Select(s => s["spec"]!["ports"]!.AsArray().Select(p => p!["port"]!.GetValue<int>()).ToList()).ToList();
        Assert.Contains(servicePorts, p => p is [8080]);
        Assert.Contains(servicePorts, p => p is [9464]);

        // Management only from the monitoring namespace; no rule admits every port.
        var rules = Single(objects, "NetworkPolicy")["spec"]!["ingress"]!.AsArray();
        Assert.All(rules, r => Assert.NotNull(r!["ports"]));
        var managementRules = rules.Where(r => r!["ports"]!.AsArray().Any(p => p!["port"]!.ToString() is "9464" or "management")).ToList();
        Assert.NotEmpty(managementRules);
        Assert.All(managementRules, r => Assert.Equal(
            "monitoring",
            Assert.Single(r!["from"]!.AsArray())!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.GetValue<string>()));

        var podLabels = template["metadata"]!["labels"]!.AsObject();
        if (overlay == "single")
        {
            var claim = Assert.Single(workload["spec"]!["volumeClaimTemplates"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>();
            Assert.Equal("/app/data", mounts.Single(m => m!["name"]!.GetValue<string>() == claim)!["mountPath"]!.GetValue<string>());
        }
        else
        {
            var selector = Single(objects, "PodDisruptionBudget")["spec"]!["selector"]!["matchLabels"]!.AsObject();
            Assert.NotEmpty(selector);
            Assert.All(selector, l => Assert.Equal(l.Value!.ToString(), podLabels[l.Key]?.ToString()));
        }
    }

    [Fact]
    public async Task Validator_RefusesAnObjectThatBreaksTheSchema()
    {
        const string broken = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: broken }\nspec: { replicas: two, selector: {}, serviceName: x, template: {} }\n";

        var result = await RunValidatorAsync(broken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("StatefulSet/broken", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("replicas", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The ConfigMap's appsettings.json, as the gateway would read it.</summary>
    internal static IConfiguration Configuration(JsonNode configMap)
        => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configMap["data"]!["appsettings.json"]!.GetValue<string>()))).Build();

    internal static async Task<List<JsonNode>> RenderAndValidateAsync(string kustomization)
    {
        var kubectl = Require(Prerequisites.Find("kubectl", "/usr/bin/kubectl"), "kubectl (1.32 or later, with kustomize)");
        var rendered = await ChildProcess.RunToEndAsync(new ProcessStartInfo(kubectl) { ArgumentList = { "kustomize", kustomization } }, standardInput: null, _timeout);
        Assert.True(rendered.ExitCode == 0, rendered.ToString());

        var validated = await RunValidatorAsync(rendered.StandardOutput);
        Assert.True(validated.ExitCode == 0, validated.ToString());
        return [.. JsonNode.Parse(validated.StandardOutput)!.AsArray().Select(o => o!)];
    }

    private static async Task<CommandResult> RunValidatorAsync(string yaml)
    {
        var node = Require(Prerequisites.Find("node"), "node (Debian package nodejs)");
        Require(File.Exists(RepositoryRoot.File("deploy/kubernetes/validate/node_modules/kubernetes-models/package.json")) ? "installed" : null, "the schema validator (npm ci --prefix deploy/kubernetes/validate)");
        return await ChildProcess.RunToEndAsync(new ProcessStartInfo(node) { ArgumentList = { _validator } }, Encoding.UTF8.GetBytes(yaml), _timeout);
    }

    /// <summary>As <see cref="Prerequisites.Require"/>: skipped where it is missing, failed under CI (.ci/run installs it).</summary>
    private static string Require(string? found, string what)
    {
        if (found is null)
        {
            var message = $"{what} is missing; .ci/run installs it.";
            if (Prerequisites.UnderCi)
            {
                Assert.Fail(message + " (CI is set: a missing tool fails the test instead of skipping it).");
            }

            Assert.Skip(message);
        }

        return found;
    }

    private static string? Kind(JsonNode o) => o["kind"]?.GetValue<string>();

    private static JsonNode Single(List<JsonNode> objects, string kind) => Assert.Single(objects, o => Kind(o) == kind);
}
