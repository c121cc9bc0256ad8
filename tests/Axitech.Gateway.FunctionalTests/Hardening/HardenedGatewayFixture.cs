using System.Net;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// One gateway for the bad-input tables: the test configuration, a 64 KiB body limit on <c>axitech</c>, an extra
/// public endpoint speaking HTTP/2 with prior knowledge (h2c), and short slow-client timeouts so that the slowloris
/// rows take seconds, not minutes.
/// </summary>
public sealed class HardenedGatewayFixture : IAsyncLifetime
{
    public const int MaxBodyBytes = 65_536;
    public const string Target = TestGateway.ClaimsPath + "/events";

    public TestGateway Gateway { get; private set; } = null!;

    /// <summary>The port of the <c>PublicH2c</c> endpoint (<c>Protocols = Http2</c>, cleartext).</summary>
    public int H2cPort => Gateway.Port("PublicH2c");

    public HttpClient H2c { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Gateway = await TestGateway.StartAsync(c =>
        {
            c["Webhooks:Policies:axitech:MaxBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c["Kestrel:Endpoints:PublicH2c:Url"] = TestGateway.AnyLoopbackPort;
            c["Kestrel:Endpoints:PublicH2c:Protocols"] = "Http2";
            c["Kestrel:Limits:MinRequestBodyDataRate:GracePeriod"] = "00:00:02";
            c["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:02";
            c["Logging:LogLevel:Axitech.Gateway.Verification"] = "Error";
        });
        H2c = LoopbackHttpClient.Create(H2cPort, http2: true);
    }

    public async ValueTask DisposeAsync()
    {
        H2c.Dispose();
        await Gateway.DisposeAsync();
    }

    /// <summary>
    /// The gateway still works: <c>/healthz</c> answers 200 and a genuine delivery is accepted and is the only thing
    /// the upstream has received since <see cref="RecordingUpstream.Clear"/>.
    /// </summary>
    public async Task AssertHealthyAndOnlyTheControlForwardedAsync(string because)
    {
        using var health = await Gateway.Management.GetAsync("/healthz");
        Assert.True(health.StatusCode == HttpStatusCode.OK, $"{because}: /healthz answered {(int)health.StatusCode}.");

        var control = SignedRequest.Create(Target);
        using var response = await Gateway.SendAsync(control);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{because}: a genuine delivery afterwards answered {(int)response.StatusCode}.");
        var received = Gateway.Upstream.Received.ToList();
        Assert.True(received.Count == 1, $"{because}: the upstream received {received.Count} requests, expected only the genuine control: {string.Join(" | ", received.Select(r => $"{r.Method} {r.RawTarget} ({r.Body.Length} bytes)"))}.");
        Assert.Equal(control.Body, received[0].Body);
    }
}
