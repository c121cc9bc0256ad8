using System.Diagnostics;
using System.Net;

namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>
/// Secrets from a Kubernetes Secret mounted as a folder (<c>AXGW_SECRETS_DIR</c>), rotated the way the kubelet rotates
/// them: in force within seconds without a restart, a removed one refused, and one update applied whole.
/// </summary>
public sealed class MountedSecretRotationTests
{
    private const string Axitech0 = "Webhooks__Policies__axitech__Secrets__0";
    private const string Axitech1 = "Webhooks__Policies__axitech__Secrets__1";
    private const string Other0 = "Webhooks__Policies__other__Secrets__0";
    private static readonly TimeSpan _inForceWithin = TimeSpan.FromSeconds(10);
    private int _request;

    [Fact]
    public async Task SecretAddedChangedAndRemovedByTheKubelet_AppliesWithoutRestart_WholeAndWithinTenSeconds()
    {
        using var volume = new KubeletSecretVolume();
        await volume.WriteAsync(new Dictionary<string, string> { [Axitech0] = "wh_sec_axitech_v1\n", [Other0] = "wh_sec_other_v1" });
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                c["Webhooks:Policies:axitech:Secrets:0"] = null;
                c["Webhooks:Policies:other:Secrets:0"] = null;
            },
            environment: new Dictionary<string, string?> { [GatewayHostSettings.SecretsDirectoryVariable] = volume.Directory });
        using var client = new HttpClient();

        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v1"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, gateway, TestGateway.OtherPath, "wh_sec_other_v1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v2"));

        // One update: a secret added to one policy, the other policy's secret replaced.
        var swapped = Stopwatch.StartNew();
        await volume.WriteAsync(new Dictionary<string, string> { [Axitech0] = "wh_sec_axitech_v1", [Axitech1] = "wh_sec_axitech_v2", [Other0] = "wh_sec_other_v2" });
        await Eventually.UntilAsync(async () => await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v2") == HttpStatusCode.OK, _inForceWithin, "the added secret is in force");
        var added = swapped.Elapsed;

        // The moment the added secret verifies, the rest of the same update is in force too: nothing half-applied.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, gateway, TestGateway.OtherPath, "wh_sec_other_v2"));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, gateway, TestGateway.OtherPath, "wh_sec_other_v1"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v1"));

        // The old secret removed from the Secret: refused, the new one still verifies.
        swapped.Restart();
        await volume.WriteAsync(new Dictionary<string, string> { [Axitech1] = "wh_sec_axitech_v2", [Other0] = "wh_sec_other_v2" });
        await Eventually.UntilAsync(async () => await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v1") == HttpStatusCode.Unauthorized, _inForceWithin, "the removed secret is refused");
        var removed = swapped.Elapsed;
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, gateway, TestGateway.ClaimsPath, "wh_sec_axitech_v2"));

        TestContext.Current.TestOutputHelper?.WriteLine($"In force after the swap: added and changed in {added.TotalSeconds:0.0} s, removed in {removed.TotalSeconds:0.0} s.");
        Assert.True(added < _inForceWithin && removed < _inForceWithin, $"added in {added}, removed in {removed}");
        Assert.Null(await gateway.WaitForExitAsync(TimeSpan.Zero)); // the same process throughout: no restart
        Assert.DoesNotContain("wh_sec_", gateway.Output, StringComparison.Ordinal);
    }

    private async Task<HttpStatusCode> SendAsync(HttpClient client, GatewayProcess gateway, string path, string secret)
    {
        // A new target each time, so that no answer is a repeat of an earlier delivery.
        var request = SignedRequest.Create($"{path}/rotation-{Interlocked.Increment(ref _request)}", secret: secret);
        using var response = await client.SendAsync(request.ToHttpRequest(gateway.PublicPort));
        return response.StatusCode;
    }
}
