using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// Failure throttling per client, told apart by source address: the functional tests connect from different
/// loopback addresses (127.0.0.2, 127.0.0.3, …; all of 127.0.0.0/8 is loopback on Linux).
/// </summary>
public sealed class FailureThrottlingTests
{
    private const int PermitLimit = 5;
    private const string Target = TestGateway.ClaimsPath + "/events";

    private static readonly IPAddress _attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress _vendor = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task AClientThatKeepsFailing_Gets429AfterTheLimit_WhileAnotherClientsGenuineDeliveriesAreNeverThrottled()
    {
        await using var gateway = await StartThrottledAsync();
        using var attacker = LoopbackHttpClient.Create(gateway.PublicPort, _attacker);
        using var vendor = LoopbackHttpClient.Create(gateway.PublicPort, _vendor);
        var attackerStatuses = new List<int>();
        var sent = new List<byte[]>();

        for (var i = 0; i < PermitLimit + 7; i++)
        {
            attackerStatuses.Add(await SendAsync(attacker, gateway, Forged()));
            var genuine = SignedRequest.Create(Target);
            sent.Add(genuine.Body);
            Assert.Equal(200, await SendAsync(vendor, gateway, genuine));
        }

        var genuineFromTheAttacker = await SendAsync(attacker, gateway, SignedRequest.Create(Target));

        Assert.Equal([.. Enumerable.Repeat(401, PermitLimit), .. Enumerable.Repeat(429, 7)], attackerStatuses);
        Assert.Equal(429, genuineFromTheAttacker);
        Assert.Equal(sent.Select(Convert.ToHexString).Order(), gateway.Upstream.Received.Select(r => Convert.ToHexString(r.Body)).Order());
    }

    [Fact]
    public async Task ThrottledAnswer_Is429WithReasonRateLimited_AndRetryAfterTheWindow()
    {
        await using var gateway = await StartThrottledAsync();
        using var attacker = LoopbackHttpClient.Create(gateway.PublicPort, _attacker);
        for (var i = 0; i < PermitLimit; i++)
        {
            await SendAsync(attacker, gateway, Forged());
        }

        using var response = await attacker.SendAsync(Forged().ToHttpRequest(gateway.PublicPort));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limited", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.Equal(TimeSpan.FromMinutes(5), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task BehindATrustedProxy_XForwardedForIdentifiesTheClient_AndIsIgnoredFromAnyoneElse()
    {
        await using var gateway = await StartThrottledAsync(c => c["Gateway:TrustedProxies:0"] = "127.0.0.1");
        using var proxy = LoopbackHttpClient.Create(gateway.PublicPort, IPAddress.Loopback);
        using var direct = LoopbackHttpClient.Create(gateway.PublicPort, _attacker);

        var attackerStatuses = new List<int>();
        for (var i = 0; i < PermitLimit + 2; i++)
        {
            attackerStatuses.Add(await SendAsync(proxy, gateway, Forged(), forwardedFor: "203.0.113.7"));
        }

        var vendorThroughTheSameProxy = await SendAsync(proxy, gateway, SignedRequest.Create(Target), forwardedFor: "198.51.100.20");

        // Not a trusted proxy: its X-Forwarded-For is ignored, so rotating it does not escape the throttle.
        var rotatingStatuses = new List<int>();
        for (var i = 0; i < PermitLimit + 2; i++)
        {
            rotatingStatuses.Add(await SendAsync(direct, gateway, Forged(), forwardedFor: $"192.0.2.{i + 1}"));
        }

        Assert.Equal([.. Enumerable.Repeat(401, PermitLimit), 429, 429], attackerStatuses);
        Assert.Equal(200, vendorThroughTheSameProxy);
        Assert.Equal("198.51.100.20", Assert.Single(gateway.Upstream.Received).Header("X-Forwarded-For"));
        Assert.Equal([.. Enumerable.Repeat(401, PermitLimit), 429, 429], rotatingStatuses);
    }

    [Fact]
    public async Task WithoutTrustedProxies_XForwardedForIsIgnored_AndTheTcpPeerIsTheClient()
    {
        await using var gateway = await StartThrottledAsync();
        using var client = LoopbackHttpClient.Create(gateway.PublicPort, _attacker);

        var statuses = new List<int>();
        for (var i = 0; i < PermitLimit + 2; i++)
        {
            statuses.Add(await SendAsync(client, gateway, Forged(), forwardedFor: $"192.0.2.{i + 1}"));
        }

        var genuineClaimingAnotherClient = await SendAsync(client, gateway, SignedRequest.Create(Target), forwardedFor: "198.51.100.20");

        Assert.Equal([.. Enumerable.Repeat(401, PermitLimit), 429, 429], statuses);
        Assert.Equal(429, genuineClaimingAnotherClient);
        Assert.Empty(gateway.Upstream.Received);
    }

    private static Task<TestGateway> StartThrottledAsync(Action<Dictionary<string, string?>>? configure = null)
        => TestGateway.StartAsync(c =>
        {
            c["Gateway:FailureThrottling:Enabled"] = "true";
            c["Gateway:FailureThrottling:PermitLimit"] = PermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c["Gateway:FailureThrottling:Window"] = "00:05:00";
            c["Logging:LogLevel:Axitech.Gateway.Verification"] = "Error";
            configure?.Invoke(c);
        });

    private static SignedRequest Forged() => SignedRequest.Create(Target, secret: "wh_sec_attacker");

    private static async Task<int> SendAsync(HttpClient client, TestGateway gateway, SignedRequest delivery, string? forwardedFor = null)
    {
        using var request = delivery.ToHttpRequest(gateway.PublicPort);
        if (forwardedFor is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }
}
