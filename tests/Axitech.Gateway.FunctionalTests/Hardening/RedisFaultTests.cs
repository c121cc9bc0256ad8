using System.Net;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>The duplicate store going away and coming back under load: nothing lost, nothing delivered twice.</summary>
public sealed class RedisFaultTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task RedisDownAndBackMidLoad_LosesNothing_AndDeliversEachExactlyOnce()
    {
        // A Redis that persists its writes, as production's should: one that restarts empty forgets which deliveries
        // were forwarded, and repeats within the window would be forwarded again (docs/duplicate-protection.md).
        await using var redis = await RedisServer.StartAsync(durable: true);
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["ConnectionStrings:Redis"] = redis.ConnectionString;
            c["Logging:LogLevel:Axitech.Gateway"] = "Critical";
        });
        var script = new UpstreamScript(gateway.Upstream, (_, context) => UpstreamScript.Ok(context));
        var ledger = new DeliveryLedger(gateway, script);
        using var stop = new CancellationTokenSource();

        var senders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // One attempt each: what is refused while Redis is down is retried at the end, as the vendor retries.
                await ledger.SendAsync(SignedRequest.Create(Target));
                await Task.Delay(10);
            }
        })).ToList();

        await WaitForAcknowledged(ledger, 10);
        await redis.KillAsync();
        await WaitUntil(() => ledger.CountAnswers(s => s == 503) >= 3);
        await redis.RestartAsync();
        await WaitForAcknowledged(ledger, ledger.Deliveries.Count(ledger.IsAcknowledged) + 10);
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        await ledger.RetryUntilAcknowledgedAsync(maxAttempts: 100);

        Assert.True(ledger.CountAnswers(s => s == 503) >= 3, "Redis being down refused no delivery: the test did not test it.");
        await ledger.AssertEachDeliveredExactlyOnceAsync();
    }

    [Fact]
    public async Task ClaimWhoseAnswerNeverCame_IsReleasedOnceRedisAnswers_InsteadOfHoldingRetriesOffForTheLease()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["ConnectionStrings:Redis"] = redis.ConnectionString;
            c["Logging:LogLevel:Axitech.Gateway"] = "Critical";
        });
        var delivery = SignedRequest.Create(Target);

        // Redis holds the claim's SET past the client's 1-second timeout: the gateway refuses the delivery (503), and
        // Redis makes the claim afterwards, for the default 2-minute lease, on behalf of nobody.
        await redis.PauseClientsAsync(TimeSpan.FromMilliseconds(2500));
        using (var refused = await gateway.SendAsync(delivery))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        // Left in place, that claim would answer every retry 409 for 2 minutes.
        var answers = new List<int>();
        await Eventually.UntilAsync(
            async () =>
            {
                await Task.Delay(250, TestContext.Current.CancellationToken);
                using var retry = await gateway.SendAsync(delivery);
                answers.Add((int)retry.StatusCode);
                return answers[^1] == 200;
            },
            TimeSpan.FromSeconds(20),
            () => $"Answers to the retries: {string.Join(",", answers)}.",
            interval: TimeSpan.Zero);
        Assert.Single(gateway.Upstream.Received);
    }

    private static Task WaitForAcknowledged(DeliveryLedger ledger, int count)
        => WaitUntil(() => ledger.Deliveries.Count(ledger.IsAcknowledged) >= count);

    private static Task WaitUntil(Func<bool> condition)
        => Eventually.UntilAsync(condition, TimeSpan.FromSeconds(60), "The load did not make the expected progress within 60 seconds.");
}
