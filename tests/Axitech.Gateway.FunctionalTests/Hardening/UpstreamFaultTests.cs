using Axitech.Gateway.FunctionalTests.Deduplication;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The upstream down, slow, resetting, failing and restarting: nothing the upstream did not acknowledge is
/// acknowledged to the sender, and everything is delivered exactly once when the sender retries.
/// </summary>
public sealed class UpstreamFaultTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task UpstreamDown_Is502ForEveryDelivery_AndEachIsDeliveredOnceOnRetry()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (ledger, _) = Script(gateway, (_, context) => UpstreamScript.Ok(context));
        await gateway.Upstream.StopAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ledger.SendAsync(SignedRequest.Create(Target))));
        await gateway.Upstream.RestartAsync();
        await ledger.RetryUntilAcknowledgedAsync();

        Assert.All(statuses, s => Assert.Equal(502, s));
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task UpstreamSlowerThanTheActivityTimeout_Is504_AndEachIsDeliveredOnceOnRetry()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["ReverseProxy:Clusters:upstream:HttpRequest:ActivityTimeout"] = "00:00:01");
        var (ledger, _) = Script(gateway, (attempt, context) => attempt == 1 ? UpstreamScript.Slow(context, TimeSpan.FromSeconds(10)) : UpstreamScript.Ok(context));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => ledger.SendAsync(SignedRequest.Create(Target))));
        await ledger.RetryUntilAcknowledgedAsync();

        Assert.All(statuses, s => Assert.Equal(504, s));
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task UpstreamResettingConnections_Is502_AndEachIsDeliveredOnceOnRetry()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (ledger, _) = Script(gateway, (attempt, context) => attempt <= 2 ? UpstreamScript.Reset(context) : UpstreamScript.Ok(context));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ledger.SendAsync(SignedRequest.Create(Target))));
        await ledger.RetryUntilAcknowledgedAsync();

        Assert.All(statuses, s => Assert.Equal(502, s));
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task UpstreamAnswering500Then503_PassesThemOn_AndEachIsDeliveredOnceOnRetry()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (ledger, _) = Script(gateway, (attempt, context) => attempt switch
        {
            1 => UpstreamScript.Status(context, 500),
            2 => UpstreamScript.Status(context, 503),
            _ => UpstreamScript.Ok(context),
        });
        var deliveries = Enumerable.Range(0, 5).Select(_ => SignedRequest.Create(Target)).ToList();

        var first = await Task.WhenAll(deliveries.Select(d => ledger.SendAsync(d)));
        var second = await Task.WhenAll(deliveries.Select(d => ledger.SendAsync(d)));
        await ledger.RetryUntilAcknowledgedAsync();

        Assert.All(first, s => Assert.Equal(500, s));
        Assert.All(second, s => Assert.Equal(503, s));
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task UpstreamRestartingMidLoad_LosesNothing_AndDeliversEachExactlyOnce()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Logging:LogLevel:Axitech.Gateway.Verification"] = "Error");
        var (ledger, _) = Script(gateway, (_, context) => UpstreamScript.Slow(context, TimeSpan.FromMilliseconds(20)));
        using var stop = new CancellationTokenSource();

        var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await ledger.SendUntilAcknowledgedAsync(SignedRequest.Create(Target), maxAttempts: 200);
            }
        })).ToList();
        // Phases are driven by progress, not by the clock, so that a loaded machine slows the test, not fails it.
        await WaitForAcknowledged(ledger, 10);
        await gateway.Upstream.StopAsync();
        await Task.Delay(700);
        await gateway.Upstream.RestartAsync();
        await WaitForAcknowledged(ledger, ledger.Deliveries.Count(ledger.IsAcknowledged) + 10);
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        await ledger.RetryUntilAcknowledgedAsync();

        Assert.True(ledger.Deliveries.Count() >= 20, $"Only {ledger.Deliveries.Count()} deliveries were sent.");
        Assert.True(ledger.CountAnswers(s => s is 502 or 0) > 0, "The restart failed no delivery: the test did not test it.");
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task ClientDisconnectingMidForward_ReleasesTheClaim_SoTheRetryIsForwardedAgain()
    {
        await using var gateway = await TestGateway.StartAsync();
        var upstreamGaveUp = new TaskCompletionSource();
        var (ledger, script) = Script(gateway, async (attempt, context) =>
        {
            if (attempt > 1)
            {
                return await UpstreamScript.Ok(context);
            }

            // Hold the first copy until the gateway cancels it (the sender went away).
            var acknowledged = await UpstreamScript.Slow(context, TimeSpan.FromSeconds(30));
            upstreamGaveUp.TrySetResult();
            return acknowledged;
        });
        var delivery = SignedRequest.Create(Target);
        using var sender = new CancellationTokenSource();

        var first = ledger.SendAsync(delivery, sender.Token);
        await Eventually.UntilAsync(() => gateway.Upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        await sender.CancelAsync();
        var firstStatus = await first;
        await upstreamGaveUp.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await ledger.SendUntilAcknowledgedAsync(delivery);

        Assert.Equal(0, firstStatus);
        Assert.Equal(2, script.Attempts(delivery.Body));
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    private static Task WaitForAcknowledged(DeliveryLedger ledger, int count)
        => Eventually.UntilAsync(() => ledger.Deliveries.Count(ledger.IsAcknowledged) >= count, TimeSpan.FromSeconds(60), $"Fewer than {count} deliveries were acknowledged within 60 seconds.");

    private static (DeliveryLedger Ledger, UpstreamScript Script) Script(TestGateway gateway, Func<int, HttpContext, Task<bool>> behaviour)
    {
        var script = new UpstreamScript(gateway.Upstream, behaviour);
        return (new DeliveryLedger(gateway, script), script);
    }
}
