using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// Finding 1 of issue 22, at its sizes: forged bodies sent fast and left one byte short were held for up to ~17 minutes
/// (Kestrel's minimum data rate is an average), 100 HTTP/1.1 connections grew the gateway by 131–137 MiB and 3 h2c
/// connections × 100 streams by 365 MiB; and 100 concurrent forgeries from a client that had failed were all read and
/// hashed (401), none refused (429). Each test runs the gateway as its own process, so that its resident set is its own.
/// </summary>
[Collection(nameof(SoakRunsAlone))]
public sealed class UnverifiedBodyLimitsTests
{
    private const string Target = TestGateway.ClaimsPath + "/flood";
    private const int MiB = 1024 * 1024;
    private static readonly IPAddress _attacker = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress _vendor = IPAddress.Parse("127.0.0.4");

    /// <summary>
    /// What the gateway's resident set may grow by at its peak, once warmed up, while a flood is held: the client's
    /// budget (16 MiB) four times over, for the body buffers, Kestrel's own buffers of the refused requests, and the
    /// runtime. Before the fix the same floods grew it by 131–137 MiB (HTTP/1.1) and 365 MiB (h2c).
    /// </summary>
    private const long Bound = 64L * MiB;

    [Fact]
    public async Task OneHundredHttp11BodiesLeftOneByteShort_HoldAtMostTheClientsBudget_AndAreAnsweredWithinTheBodyTimeout()
    {
        await using var gateway = await StartAsync();
        var before = gateway.ResidentBytes();

        using var peak = PeakResidentBytes.Watch(gateway);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ConnectAsync(gateway.PublicPort, _attacker)));
        try
        {
            var head = Head(MiB);
            var body = new byte[MiB - 1];
            await Task.WhenAll(sockets.Select(async s =>
            {
                await s.SendAsync(head);
                await s.SendAsync(body);
            }));

            // The client's budget holds 16 of the 1 MiB bodies; every other request is answered 429 before its body is read.
            var answers = sockets.Select(s => ReadStatusAsync(s, TimeSpan.FromSeconds(60))).ToArray();
            await Eventually.UntilAsync(() => answers.Count(a => a.IsCompleted) >= 84, TimeSpan.FromSeconds(30), "Not 84 answers within 30 s.");

            using (var client = new HttpClient())
            {
                using var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/genuine").ToHttpRequest(gateway.PublicPort));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var statuses = await Task.WhenAll(answers);
            var grown = peak.Stop() - before;
            TestContext.Current.TestOutputHelper?.WriteLine($"HTTP/1.1: peak resident set {grown / (double)MiB:F1} MiB above the start.");
            Assert.Equal(84, statuses.Count(s => s == 429));
            Assert.Equal(16, statuses.Count(s => s == 408));
            Assert.True(grown <= Bound, $"The gateway grew by {grown / MiB} MiB at its peak holding 100 bodies left one byte short.");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }

        Assert.DoesNotContain(gateway.Upstream.Received, r => r.RawTarget == Target);
    }

    [Fact]
    public async Task ThreeH2cConnectionsOfOneHundredStreamsLeftOneByteShort_HoldAtMostTheClientsBudget_AndAreAnswered()
    {
        await using var gateway = await StartAsync();
        var h2Port = gateway.PublicUrls[1].Port;
        var before = gateway.ResidentBytes();
        var timestamp = WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);
        List<(string, string)> fields =
        [
            (":method", "POST"), (":scheme", "http"), (":authority", "gateway"), (":path", Target),
            ("x-aw-signature", new string('a', AxitechSignature.HexLength)), ("x-aw-timestamp", timestamp),
        ];

        using var peak = PeakResidentBytes.Watch(gateway);
        var floods = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Http2BodyFlood.StartAsync(h2Port, _attacker, 100, fields, MiB, MiB - 1)));
        try
        {
            await Eventually.UntilAsync(() => floods.Sum(f => f.Statuses.Count) >= 300, TimeSpan.FromSeconds(60), () => $"{floods.Sum(f => f.Statuses.Count)} of 300 streams answered within 60 s.");
        }
        finally
        {
            foreach (var flood in floods)
            {
                await flood.DisposeAsync();
            }
        }

        // Answered by the gateway: 16 bodies held (the client's 16 MiB) until the body timeout, the rest refused unread.
        using var client = new HttpClient();
        var metrics = PrometheusScrape.Parse(await client.GetStringAsync($"http://127.0.0.1:{gateway.ManagementPort}/metrics"));
        Assert.Equal(284, metrics.Sum("axitech_gateway_webhooks_total", ("reason", "unverified_bytes_per_client")));
        Assert.Equal(16, metrics.Sum("axitech_gateway_webhooks_total", ("reason", "body_timeout")));
        var grown = peak.Stop() - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"h2c: peak resident set {grown / (double)MiB:F1} MiB above the start.");
        Assert.True(grown <= Bound, $"The gateway grew by {grown / MiB} MiB at its peak holding 300 streams' bodies left one byte short.");
    }

    [Fact]
    public async Task AFailingClientsConcurrentForgeries_BeyondItsPermits_Are429BeforeTheirBodiesAreRead_AndAGenuineBurstPasses()
    {
        await using var gateway = await StartAsync();

        // One failure opens the client's window: 19 permits are left.
        var first = await SendForgeryAsync(gateway.PublicPort);
        Assert.Equal(401, first);

        // 100 concurrent forged 64 KiB requests, each held one byte short until every refusal is in.
        var sockets = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ConnectAsync(gateway.PublicPort, _attacker)));
        try
        {
            var head = Head(64 * 1024);
            await Task.WhenAll(sockets.Select(async s =>
            {
                await s.SendAsync(head);
                await s.SendAsync(new byte[(64 * 1024) - 1]);
            }));
            var answers = sockets.Select(s => ReadStatusAsync(s, TimeSpan.FromSeconds(60))).ToArray();
            await Eventually.UntilAsync(() => answers.Count(a => a.IsCompleted) >= 81, TimeSpan.FromSeconds(30), "Not 81 answers within 30 s.");
            Assert.All(answers.Where(a => a.IsCompleted), a => Assert.Equal(429, a.Result));

            // A genuine burst from another address is never refused for concurrency.
            await AssertGenuineBurstPassesAsync(gateway.PublicPort);

            await Task.WhenAll(sockets.Select(s => s.SendAsync(new byte[1])));
            var statuses = await Task.WhenAll(answers);
            Assert.Equal(81, statuses.Count(s => s == 429));
            Assert.Equal(19, statuses.Count(s => s == 401));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private static async Task AssertGenuineBurstPassesAsync(int port)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 50,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new IPEndPoint(_vendor, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/burst-" + i.ToString(CultureInfo.InvariantCulture)).ToHttpRequest(port));
            return response.StatusCode;
        }));
        Assert.All(responses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    /// <summary>The gateway as shipped (throttle on, 16 MiB per client), with a short body timeout so that the held bodies are answered in seconds.</summary>
    private static async Task<GatewayProcess> StartAsync()
    {
        var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                c["Gateway:FailureThrottling:Enabled"] = null;
                c["Gateway:Limits:BodyTimeout"] = "00:00:05";
                c["Kestrel:Endpoints:PublicH2c:Url"] = TestGateway.AnyLoopbackPort;
                c["Kestrel:Endpoints:PublicH2c:Protocols"] = "Http2";
                c["Gateway:ConnectionsPerClient"] = "500";
            });

        // Warmed up (code compiled, pools and heaps in use), so that the resident set measured is what the flood costs:
        // a genuine delivery, and a forged 1 MiB body read whole from an address of its own.
        using var client = new HttpClient();
        using (var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/warm-up").ToHttpRequest(gateway.PublicPort)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var socket = await ConnectAsync(gateway.PublicPort, IPAddress.Parse("127.0.0.5"));
        await socket.SendAsync(Head(MiB));
        await socket.SendAsync(new byte[MiB]);
        Assert.Equal(401, await ReadStatusAsync(socket, TimeSpan.FromSeconds(30)));
        return gateway;
    }

    private static byte[] Head(int contentLength)
        => Encoding.ASCII.GetBytes(
            $"POST {Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {new string('a', AxitechSignature.HexLength)}\r\nx-aw-timestamp: {WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow)}\r\nContent-Length: {contentLength}\r\n\r\n");

    private static async Task<int> SendForgeryAsync(int port)
    {
        using var socket = await ConnectAsync(port, _attacker);
        await socket.SendAsync(Head(10));
        await socket.SendAsync(new byte[10]);
        return await ReadStatusAsync(socket, TimeSpan.FromSeconds(30));
    }

    /// <summary>The status of the first response on the socket, or 0 when the connection ended without one.</summary>
    private static async Task<int> ReadStatusAsync(Socket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[12];
        var read = 0;
        try
        {
            while (read < buffer.Length)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
        }

        return read == buffer.Length ? int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>The gateway's largest resident set, sampled every 50 ms until <see cref="Stop"/>.</summary>
    private sealed class PeakResidentBytes : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampling;
        private long _peak;

        private PeakResidentBytes(GatewayProcess gateway)
        {
            _peak = gateway.ResidentBytes();
            _sampling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), gateway.ResidentBytes()));
                    await Task.Delay(50, CancellationToken.None);
                }
            });
        }

        public static PeakResidentBytes Watch(GatewayProcess gateway) => new(gateway);

        public long Stop()
        {
            _stop.Cancel();
            _sampling.Wait();
            return Interlocked.Read(ref _peak);
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }

            _stop.Dispose();
        }
    }

    private static async Task<Socket> ConnectAsync(int port, IPAddress from)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }
}
