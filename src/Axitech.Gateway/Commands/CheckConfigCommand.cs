using System.CommandLine;
using System.Globalization;
using Axitech.Gateway.Configuration;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>check-config</c>: loads the configuration the gateway would run with, validates it with the function the gateway
/// itself starts and reloads with (<see cref="GatewaySnapshotBuilder"/>: the same problems, the same messages), and
/// prints each route → policy → cluster with secrets shown only as fingerprints, so two environments can be compared
/// without revealing a secret.
/// </summary>
internal static class CheckConfigCommand
{
    /// <summary>
    /// A POSIX shell line that prints <see cref="Axitech.Webhooks.WebhookSecret.Fingerprint"/> of the secret in
    /// <c>$SECRET</c>: printf, unlike echo, adds no newline and leaves backslashes and a leading '-' alone.
    /// </summary>
    public const string FingerprintCommand = "printf '%s' \"$SECRET\" | sha256sum | cut -c1-8";

    public static Command Create()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var command = new Command("check-config", "Validate the configuration the gateway would load (files and environment) and print each route, policy and cluster; secrets appear only as fingerprints. Exits 0 when valid, 1 otherwise.");
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, _) =>
        {
            using var loaded = configurationOptions.Load(parseResult);
            var report = GatewaySnapshotBuilder.Build(loaded.Configuration, loaded.EnvironmentName);

            await WriteSourcesAsync(output.Out, loaded).ConfigureAwait(false);
            await WriteRoutesAsync(output.Out, report).ConfigureAwait(false);
            await WritePoliciesAsync(output.Out, report).ConfigureAwait(false);

            // The same warnings, in the same words, as the gateway logs at start-up and on a reload.
            foreach (var warning in report.Warnings)
            {
                await output.Error.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
            }

            foreach (var error in report.Errors)
            {
                await output.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            }

            if (report.Errors.Count > 0)
            {
                await output.Error.WriteLineAsync($"The configuration is invalid: {Count(report.Errors.Count, "problem")}. The gateway would refuse to start with it.").ConfigureAwait(false);
                return CommandAction.Failure;
            }

            await output.Out.WriteLineAsync($"The configuration is valid: {Count(report.ProxyRoutes.Count, "route")}, {Count(report.Policies.Count, "policy", "policies")}, {Count(report.ProxyClusters.Count, "cluster")}.").ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    private static async Task WriteSourcesAsync(TextWriter output, LoadedGatewayConfiguration loaded)
    {
        await output.WriteLineAsync($"Configuration: {loaded.Directory} (environment {loaded.EnvironmentName})").ConfigureAwait(false);
        foreach (var (name, exists) in loaded.Files)
        {
            await output.WriteLineAsync($"  {name}: {(exists ? "read" : "not found")}").ConfigureAwait(false);
        }

        if (loaded.SecretsDirectory is { } secrets)
        {
            await output.WriteLineAsync($"  then the secrets folder {secrets} (${GatewayHostSettings.SecretsDirectoryVariable}: one file per key, __ for :)").ConfigureAwait(false);
        }

        await output.WriteLineAsync("  then environment variables (__ for :), over the embedded defaults").ConfigureAwait(false);
        if (loaded.EnvironmentFile is { } file)
        {
            await output.WriteLineAsync($"  then the environment file {file}").ConfigureAwait(false);
        }
    }

    private static async Task WriteRoutesAsync(TextWriter output, GatewaySnapshot report)
    {
        await output.WriteLineAsync("Routes (route (path) -> policy -> Forward or Queue -> cluster):").ConfigureAwait(false);
        foreach (var route in report.ProxyRoutes.OrderBy(r => r.RouteId, StringComparer.OrdinalIgnoreCase))
        {
            string? policyName = null;
            _ = route.Metadata?.TryGetValue(WebhookConfigurationReader.PolicyMetadataKey, out policyName);
            var policy = policyName is null ? "(none)"
                : report.Policies.ContainsKey(policyName) ? policyName
                : $"{policyName} (invalid or not configured)";
            var match = route.Match.Path ?? (route.Match.Hosts is { Count: > 0 } hosts ? string.Join(",", hosts) : "no match");
            var cluster = route.ClusterId is { } clusterId && report.ProxyClusters.FirstOrDefault(c => string.Equals(c.ClusterId, clusterId, StringComparison.OrdinalIgnoreCase)) is { } found
                ? $"{found.ClusterId} [{DescribeDestinations(found)}]"
                : $"{route.ClusterId ?? "(none)"} (not configured)";
            await output.WriteLineAsync($"  {route.RouteId} ({match}) -> policy {policy} -> {DescribeDelivery(route, report)} -> cluster {cluster}").ConfigureAwait(false);
        }
    }

    private static async Task WritePoliciesAsync(TextWriter output, GatewaySnapshot webhooks)
    {
        await output.WriteLineAsync("Policies (secrets as the first 8 hex digits of their SHA-256):").ConfigureAwait(false);
        foreach (var policy in webhooks.Policies.Values.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
        {
            var dedup = policy.Deduplication.Enabled
                ? $"dedup key {(policy.Deduplication.UsesContentKey ? string.Join(", ", policy.Deduplication.Key) : "signature")}"
                : "dedup off";
            var prefix = policy.SignedPathPrefix.Length > 0 ? $", signed path prefix {policy.SignedPathPrefix}" : string.Empty;
            await output.WriteLineAsync($"  {policy.Name}: tolerance {policy.Tolerance.ToString("c", CultureInfo.InvariantCulture)}, max body {policy.MaxBodyBytes.ToString(CultureInfo.InvariantCulture)} bytes, {dedup}, headers {policy.SignatureHeader} / {policy.TimestampHeader}{prefix}").ConfigureAwait(false);
            for (var i = 0; i < policy.Secrets.Length; i++)
            {
                await output.WriteLineAsync($"    secret[{policy.SecretConfigurationKeys[i]}] {policy.Secrets[i].Fingerprint}").ConfigureAwait(false);
            }
        }

        await output.WriteLineAsync("The fingerprint of a secret held in $SECRET, to compare:").ConfigureAwait(false);
        await output.WriteLineAsync($"  {FingerprintCommand}").ConfigureAwait(false);
    }

    /// <summary>Forward, or Queue with how fast its deliveries go out, so that a route that does not queue shows.</summary>
    private static string DescribeDelivery(RouteConfig route, GatewaySnapshot report)
    {
        if (!report.Routes.TryGetValue(route.RouteId, out var webhookRoute))
        {
            string? delivery = null;
            _ = route.Metadata?.TryGetValue(WebhookConfigurationReader.DeliveryMetadataKey, out delivery);
            return $"{delivery ?? nameof(WebhookDeliveryMode.Forward)} (invalid)";
        }

        return webhookRoute.Delivery == WebhookDeliveryMode.Queue
            ? $"Queue (rate {(webhookRoute.DeliveryRate is { } rate ? rate.ToString(CultureInfo.InvariantCulture) + "/s" : "unlimited")}, concurrency {(webhookRoute.DeliveryConcurrency ?? report.Queue.MaxConcurrency).ToString(CultureInfo.InvariantCulture)} per instance)"
            : nameof(WebhookDeliveryMode.Forward);
    }

    private static string DescribeDestinations(ClusterConfig cluster)
        => cluster.Destinations is { Count: > 0 } destinations
            ? string.Join(", ", destinations.OrderBy(d => d.Key, StringComparer.OrdinalIgnoreCase).Select(d => $"{d.Key} {WithoutUserInfo(d.Value.Address)}"))
            : "no destination";

    /// <summary>An address as shown: a password in it (http://user:pass@host) is not.</summary>
    private static string WithoutUserInfo(string address)
        => Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? address.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : address;

    private static string Count(int count, string singular, string? plural = null)
        => $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? singular : plural ?? singular + "s")}";
}
