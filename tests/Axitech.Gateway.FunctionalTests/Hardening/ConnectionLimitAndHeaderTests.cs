using System.Net;
using System.Net.Sockets;

namespace Axitech.Gateway.FunctionalTests.Hardening;

public sealed class ConnectionLimitAndHeaderTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task ConnectionsBeyondTheLimit_AreClosedAtOnce_WhileOpenOnesAndManagementKeepWorking()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Kestrel:Limits:MaxConcurrentConnections"] = "4");
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, gateway.PublicPort));
                idle.Add(socket);
            }

            await Task.Delay(200);
            var refused = await RawHttpClient.SendAsync(gateway.PublicPort, RawHttpRequest.From(SignedRequest.Create(Target)).ToBytes());
            using var management = new HttpClient();
            using var health = await management.GetAsync($"http://127.0.0.1:{gateway.ManagementPort}/healthz");
            var onAnOpenConnection = await SendOnAsync(idle[0], SignedRequest.Create(Target));
            foreach (var socket in idle)
            {
                socket.Dispose();
            }

            idle.Clear();
            await Task.Delay(200);
            var afterwards = await RawHttpClient.SendAsync(gateway.PublicPort, RawHttpRequest.From(SignedRequest.Create(Target)).ToBytes());

            Assert.True(refused.StatusCode == 0 && refused.ConnectionClosed, $"Over the limit: {refused}.");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.StartsWith("HTTP/1.1 200", onAnOpenConnection, StringComparison.Ordinal);
            Assert.True(afterwards.StatusCode == 200, $"After the others closed: {afterwards}.");
            Assert.Equal(2, gateway.Upstream.Received.Count);
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
    public async Task HopByHopHeaders_AreNotForwarded_AsYarpStripsThem()
    {
        // YARP drops the hop-by-hop fields it knows; it forwards extension fields that Connection nominates (RFC 9110
        // §7.6.1 would drop them too). The gateway keeps YARP's behaviour; docs/hardening.md says so.
        await using var gateway = await TestGateway.StartAsync();
        var request = RawHttpRequest.From(SignedRequest.Create(Target))
            .WithHeader("Connection: keep-alive, X-Internal-Hop")
            .WithHeader("X-Internal-Hop: from-the-sender")
            .WithHeader("Keep-Alive: timeout=5")
            .WithHeader("Proxy-Connection: keep-alive")
            .WithHeader("TE: trailers");

        var response = await RawHttpClient.SendAsync(gateway.PublicPort, request.ToBytes());

        Assert.True(response.StatusCode == 200, response.ToString());
        var received = Assert.Single(gateway.Upstream.Received);
        Assert.All(
            new[] { "Connection", "Keep-Alive", "Proxy-Connection", "TE" },
            name => Assert.True(received.Header(name) is null, $"{name}: {received.Header(name)} reached the upstream."));
        Assert.Equal("from-the-sender", received.Header("X-Internal-Hop"));
    }

    private static async Task<string> SendOnAsync(Socket socket, SignedRequest delivery)
    {
        await socket.SendAsync(RawHttpRequest.From(delivery).ToBytes());
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
    }
}
