using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Axitech.Gateway.FunctionalTests.Deduplication;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// Stopping (SIGTERM, or the host stopped): new connections are refused at once, in-flight deliveries finish within
/// Gateway:DrainTimeout, and a delivery that cannot finish in time is not acknowledged, so the sender's retry
/// delivers it. Nothing is acknowledged and then dropped.
/// </summary>
public sealed class GracefulShutdownTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task StoppingWithADeliveryInFlight_RefusesNewConnections_AndFinishesItWithinTheDrainTimeout()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Gateway:DrainTimeout"] = "00:00:10");
        var release = new TaskCompletionSource();
        var script = new UpstreamScript(gateway.Upstream, async (_, context) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            return await UpstreamScript.Ok(context);
        });
        var delivery = SignedRequest.Create(Target);

        var inFlight = gateway.SendAsync(delivery);
        await Eventually.UntilAsync(() => gateway.Upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        var clock = Stopwatch.StartNew();
        var stopping = gateway.App.StopAsync();
        await AssertRefusesNewConnectionsAsync(gateway.PublicPort);
        var stillDraining = !stopping.IsCompleted;
        release.SetResult();
        using var response = await inFlight;
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(stillDraining, "The host stopped without waiting for the in-flight delivery.");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stopping took {clock.Elapsed}.");
        Assert.Equal(1, script.Acknowledged(delivery.Body));
    }

    [Fact]
    public async Task DeliverySlowerThanTheDrainTimeout_IsNotAcknowledged_AndTheRetryDeliversIt()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Gateway:DrainTimeout"] = "00:00:01");
        var script = new UpstreamScript(gateway.Upstream, (attempt, context) => attempt == 1 ? UpstreamScript.Slow(context, TimeSpan.FromSeconds(30)) : UpstreamScript.Ok(context));
        var first = new DeliveryLedger(gateway, script);
        var delivery = SignedRequest.Create(Target);

        var inFlight = first.SendAsync(delivery);
        await Eventually.UntilAsync(() => gateway.Upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        var clock = Stopwatch.StartNew();
        await gateway.App.StopAsync();
        var stoppedAfter = clock.Elapsed;
        var status = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));

        await using var restarted = await TestGateway.StartAsync(upstream: gateway.Upstream);
        var retry = new DeliveryLedger(restarted, script);
        await retry.SendUntilAcknowledgedAsync(delivery);

        Assert.True(stoppedAfter < TimeSpan.FromSeconds(5), $"Stopping took {stoppedAfter} with a 1 s drain timeout.");
        Assert.True(status is not (>= 200 and < 300), $"The cut-off delivery was answered {status}.");
        await retry.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task Sigterm_RefusesNewConnections_FinishesTheInFlightDelivery_AndExitsZero()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var release = new TaskCompletionSource();
        var script = new UpstreamScript(upstream, async (_, context) =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            return await UpstreamScript.Ok(context);
        });
        await using var gateway = await GatewayProcess.StartAsync(c => c["Gateway:DrainTimeout"] = "00:00:15", upstream);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var delivery = SignedRequest.Create(Target);

        var inFlight = client.SendAsync(delivery.ToHttpRequest(gateway.PublicPort));
        await Eventually.UntilAsync(() => upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        await gateway.SignalAsync("TERM");
        await AssertRefusesNewConnectionsAsync(gateway.PublicPort);
        release.SetResult();
        using var response = await inFlight;
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(exitCode == 0, $"Exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (still running)"}:{Environment.NewLine}{gateway.Output}");
        Assert.Equal(1, script.Acknowledged(delivery.Body));
    }

    private static Task AssertRefusesNewConnectionsAsync(int port)
        => Eventually.UntilAsync(
            async () =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                    return false;
                }
                catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
                {
                    // Reset: the connection reached the listen backlog just as the listener closed, and the kernel
                    // answered it with RST; refused once the listener is gone. Either way, not accepted.
                    return true;
                }
            },
            TimeSpan.FromSeconds(5),
            $"Port {port} still accepted connections 5 seconds after the stop began.");
}
