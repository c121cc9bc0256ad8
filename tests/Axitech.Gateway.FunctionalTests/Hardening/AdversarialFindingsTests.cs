using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The findings of the adversarial test (issue 18), each as an attack that succeeded before its fix: memory reserved
/// by headers alone, connection slots held by one address, and a listener that cannot serve while /healthz says 200.
/// Each runs the gateway as its own process, so that its memory, its sockets and its metrics are its own.
/// </summary>
[Collection(nameof(SoakRunsAlone))]
public sealed class AdversarialFindingsTests
{
    private const string Target = TestGateway.ClaimsPath + "/flood";
    private static readonly IPAddress _attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress _otherAttacker = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task HeadersDeclaringLargeBodies_ReserveNoMemory_GenuineDeliveriesFlow_AndTheAbortsAreThrottled()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                ThrottleAsShipped(c);
                c["Kestrel:Endpoints:PublicH2c:Url"] = TestGateway.AnyLoopbackPort;
                c["Kestrel:Endpoints:PublicH2c:Protocols"] = "Http2";
                c["Gateway:ConnectionsPerClient"] = "5000";

                // Long enough that no declared body times out while it is measured.
                c["Kestrel:Limits:MinRequestBodyDataRate:GracePeriod"] = "00:01:00";
                c["Gateway:Limits:BodyTimeout"] = "00:02:00";

                // Budgets past what 1,100 declared bodies reserve: what is measured here is memory, and a reservation
                // is a count, not a buffer (the budgets' own refusals are UnverifiedBodyLimitsTests').
                c["Gateway:Limits:UnverifiedBytesPerClient"] = "4294967296";
                c["Gateway:Limits:UnverifiedBytes"] = "4294967296";
                c["Kestrel:Limits:RequestHeadersTimeout"] = "00:01:00";
            },
            upstream);

        // Kestrel binds the endpoints in the order of their names: Public, then PublicH2c.
        Assert.Equal(2, gateway.PublicUrls.Count);
        var h2Port = gateway.PublicUrls[1].Port;

        // 1,000 HTTP/1.1 connections and 100 HTTP/2 streams that declare 1 MiB and send nothing of it...
        var declaredBefore = await AllocatedBytesAsync(gateway.ManagementPort);
        var declared = await FloodAsync(gateway, h2Port, _attacker, contentLength: 1024 * 1024);
        await WaitForMetricAsync(gateway.ManagementPort, "http_server_active_requests", v => v >= 1100, "every flood request under way");
        var declaredCost = await AllocatedBytesAsync(gateway.ManagementPort) - declaredBefore;

        // ...do not keep a genuine delivery from another client from being answered,
        using (var client = new HttpClient())
        {
            using var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/genuine").ToHttpRequest(gateway.PublicPort));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains(upstream.Received, r => r.RawTarget == TestGateway.ClaimsPath + "/genuine");

        // ...and, once the attacker gives up, its aborted reads count as failures: it is throttled.
        declared.Dispose();
        await WithinThirtySecondsAsync(async () => (await SendOneAsync(gateway.PublicPort, _attacker)).StatusCode == 429, "the attacker's next request is throttled (429)");

        // The same connections and streams declaring an empty body (answered 401, then 429), from another address.
        var answeredBefore = await MetricAsync(gateway.ManagementPort, "axitech_gateway_webhooks_total");
        var emptyBefore = await AllocatedBytesAsync(gateway.ManagementPort);
        using (await FloodAsync(gateway, h2Port, _otherAttacker, contentLength: 0))
        {
            await WaitForMetricAsync(gateway.ManagementPort, "axitech_gateway_webhooks_total", v => v >= answeredBefore + 1100, "every empty-body request answered");
            var emptyCost = await AllocatedBytesAsync(gateway.ManagementPort) - emptyBefore;

            // Kestrel's own per-connection cost either way: nothing reserved for the declared bodies (1,100 of them
            // would be 1.1 GiB or more). A margin of 4 MiB for what the runtime allocates meanwhile on its own, and
            // 4 KiB a request for what a body read costs whatever its size (its deadline's timer and token sources,
            // its budget reservation), which a declared-empty body skips.
            Assert.True(
                declaredCost <= emptyCost + (4 * 1024 * 1024) + (1100 * 4096),
                $"Declaring 1 MiB bodies cost {declaredCost / 1024 / 1024:F1} MiB of allocations; declaring empty ones {emptyCost / 1024 / 1024:F1} MiB.");
        }

        Assert.DoesNotContain(upstream.Received, r => r.RawTarget == Target);
    }

    [Fact]
    public async Task TenThousandIdleSocketsFromOneAddress_DoNotKeepAnotherClientsDeliveryFromBeingAnswered_AndAreClosed()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                ThrottleAsShipped(c);
                c["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:03";
            },
            upstream);

        var idle = new List<Socket>();
        try
        {
            for (var batch = 0; batch < 50; batch++)
            {
                idle.AddRange(await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => ConnectAsync(gateway.PublicPort, _attacker))));
            }

            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/while-idle").ToHttpRequest(gateway.PublicPort));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // Beyond Gateway:ConnectionsPerClient (100) each is closed at once; the others when no request line came
            // within RequestHeadersTimeout. None is kept for KeepAliveTimeout (2 minutes).
            var closed = await Task.WhenAll(idle.Select(s => ClosedByServerAsync(s, TimeSpan.FromSeconds(15))));
            Assert.Equal(idle.Count, closed.Count(c => c));
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task APublicListenerThatCannotServe_FailsHealthz_AndRecovers()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                ThrottleAsShipped(c);
                c["Kestrel:Limits:MaxConcurrentConnections"] = "40";
                c["Kestrel:Limits:RequestHeadersTimeout"] = "00:01:00";
                c["Gateway:ListenerProbe:Interval"] = "00:00:00.500";
                c["Gateway:ListenerProbe:UnhealthyAfter"] = "00:00:02";
            },
            upstream);
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.ManagementPort}") };
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("/healthz")).StatusCode);

        // Every connection slot of the Public listener held (a request line begun, never ended), from many addresses.
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var socket = await ConnectAsync(gateway.PublicPort, IPAddress.Parse($"127.0.1.{i + 1}"));
                await socket.SendAsync("POST /webhooks/claims/x HTTP/1.1\r\n"u8.ToArray());
                held.Add(socket);
            }

            await WithinThirtySecondsAsync(async () => (await management.GetAsync("/healthz")).StatusCode == HttpStatusCode.ServiceUnavailable, "/healthz fails while the Public listener cannot serve");
            var body = await management.GetStringAsync("/readyz");
            Assert.Contains("configuration", body, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }

        await WithinThirtySecondsAsync(async () => (await management.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK, "/healthz recovers once the listener serves again");
    }

    /// <summary>
    /// The failure throttle as shipped (on): the test gateways' configuration turns it off, and what an attacker's
    /// aborted reads and failed deliveries count towards is part of what these findings are about.
    /// </summary>
    private static void ThrottleAsShipped(Dictionary<string, string?> configuration) => configuration["Gateway:FailureThrottling:Enabled"] = null;

    /// <summary>1,000 HTTP/1.1 connections and one HTTP/2 connection with 100 streams, each request's headers sent in full.</summary>
    private static async Task<Flood> FloodAsync(GatewayProcess gateway, int h2Port, IPAddress from, long contentLength)
    {
        var timestamp = WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);
        var signature = new string('a', AxitechSignature.HexLength);
        var head = Encoding.ASCII.GetBytes(
            $"POST {Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {signature}\r\nx-aw-timestamp: {timestamp}\r\nContent-Length: {contentLength}\r\n\r\n");
        var flood = new Flood();
        for (var batch = 0; batch < 10; batch++)
        {
            var sockets = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ConnectAsync(gateway.PublicPort, from)));
            flood.Sockets.AddRange(sockets);
            await Task.WhenAll(sockets.Select(s => s.SendAsync(head)));
        }

        var h2 = await ConnectAsync(h2Port, from);
        flood.Sockets.Add(h2);
        var frames = new List<byte[]> { "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), RawHttp2Client.Frame(RawHttp2Client.Settings, 0, 0, []) };
        for (var stream = 1; stream < 200; stream += 2)
        {
            frames.Add(RawHttp2Client.HeadersFrame(
                stream,
                [
                    (":method", "POST"), (":scheme", "http"), (":authority", "gateway"), (":path", Target),
                    ("x-aw-signature", signature), ("x-aw-timestamp", timestamp),
                    ("content-length", contentLength.ToString(CultureInfo.InvariantCulture)),
                ],
                endStream: contentLength == 0));
        }

        await h2.SendAsync(frames.SelectMany(f => f).ToArray());
        return flood;
    }

    private static async Task<RawHttpResponse> SendOneAsync(int port, IPAddress from)
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/again");
        var request = Encoding.ASCII.GetBytes(
            $"POST {delivery.Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {delivery.Signature}\r\nx-aw-timestamp: {delivery.Timestamp}\r\nContent-Length: {delivery.Body.Length}\r\n\r\n");
        return await RawHttpClient.SendAsync(port, [.. request, .. delivery.Body], localAddress: from);
    }

    private static async Task<Socket> ConnectAsync(int port, IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    /// <summary>Whether the server closed the connection (a read ends, or is reset) within <paramref name="within"/>.</summary>
    private static async Task<bool> ClosedByServerAsync(Socket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            var buffer = new byte[256];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<double> AllocatedBytesAsync(int managementPort)
        => await MetricAsync(managementPort, "dotnet_gc_heap_total_allocated_bytes_total");

    private static async Task<double> MetricAsync(int managementPort, string name)
    {
        using var client = new HttpClient();
        return PrometheusScrape.Parse(await client.GetStringAsync($"http://127.0.0.1:{managementPort}/metrics")).Sum(name);
    }

    private static async Task WaitForMetricAsync(int managementPort, string name, Func<double, bool> condition, string what)
        => await WithinThirtySecondsAsync(async () => condition(await MetricAsync(managementPort, name)), what);

    private static Task WithinThirtySecondsAsync(Func<Task<bool>> condition, string what)
        => Eventually.UntilAsync(condition, TimeSpan.FromSeconds(30), $"Not within 30 s: {what}.", TimeSpan.FromMilliseconds(200));

    private sealed class Flood : IDisposable
    {
        public List<Socket> Sockets { get; } = [];

        public void Dispose()
        {
            foreach (var socket in Sockets)
            {
                socket.Dispose();
            }
        }
    }
}
