using System.Net;
using Axitech.Gateway.Queue;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// The workers of a queued route against a real upstream on loopback, with the real gateway on Kestrel and a real
/// SQLite file: what is sent, what is retried and when, what is given up, and how many attempts run at once.
/// </summary>
public sealed class DeliveryWorkerTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("axgw-workers-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(TestGateway.ClaimsPath + "/events")]
    [InlineData(TestGateway.ClaimsPath + "/caf%C3%A9?q=%2F&plus=a+b&a=")]
    [InlineData(TestGateway.ClaimsPath + "/a%20b/c+d?x=%2f&y=%41")]
    [InlineData(TestGateway.ClaimsPath + "/events?")]
    public async Task QueuedDelivery_ArrivesAsAForwardedOneWould_WithItsIdAndAttempt(string target)
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream);
        var delivery = SignedRequest.Create(target);

        var id = await gateway.AcceptedAsync(delivery);
        await Eventually.UntilAsync(() => upstream.All.Count == 1, TimeSpan.FromSeconds(10), "The upstream did not get the queued delivery within 10 seconds.");

        var received = Assert.Single(upstream.All).Request;
        Assert.Equal("POST", received.Method);
        Assert.Equal(target, received.RawTarget);
        Assert.Equal(delivery.Body, received.Body);
        Assert.Equal("application/json", received.Header("Content-Type"));
        Assert.Equal(delivery.Signature, received.Header(AxitechSignature.SignatureHeaderName));
        Assert.Equal(delivery.Timestamp, received.Header(AxitechSignature.TimestampHeaderName));
        Assert.Equal(id.ToString("D"), received.Header("X-Axitech-Delivery-Id"));
        Assert.Equal("1", received.Header("X-Axitech-Delivery-Attempt"));
        Assert.Equal(delivery.Signature, AxitechSignature.Sign(TestGateway.Secret, received.Method, received.RawTarget, received.Header(AxitechSignature.TimestampHeaderName)!, received.Body));
        var stored = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);
        Assert.Equal(200, stored.LastStatusCode);
    }

    [Fact]
    public async Task RetryableAnswers_AreTriedAgain_UntilTheUpstreamTakesIt()
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => UpstreamAttempts.Status(context, request.Header("X-Axitech-Delivery-Attempt") switch
            {
                "1" => 408,
                "2" => 429,
                "3" => 503,
                _ => 200,
            }),
        };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        var stored = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        var attempts = upstream.Of(id);
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.Attempt));
        Assert.Equal([408, 429, 503, 200], attempts.Select(a => a.Status));
        Assert.Equal(4, stored.Attempts);
    }

    [Fact]
    public async Task RetryAfter_IsHonoured_OverTheShorterBackoff()
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => request.Header("X-Axitech-Delivery-Attempt") == "1"
                ? UpstreamAttempts.Status(context, 503, retryAfter: "2")
                : UpstreamAttempts.Status(context, 200),
        };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        var attempts = upstream.Of(id);
        Assert.Equal(2, attempts.Count);
        var gap = attempts[1].Started - attempts[0].Ended;
        Assert.True(gap >= TimeSpan.FromSeconds(1.9), $"The second attempt came {gap.TotalMilliseconds} ms after a Retry-After of 2 s.");
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(410)]
    public async Task StatusAnotherAttemptWouldNotChange_IsDeadLetteredAtOnce(int status)
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, status) };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        var dead = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Dead);
        await Task.Delay(500); // ten retry delays: none may come

        Assert.Equal($"status_{status}", dead.LastError);
        Assert.Equal(status, dead.LastStatusCode);
        Assert.Single(upstream.Of(id));
    }

    [Fact]
    public async Task MaxAttempts_DeadLettersAfterThatManyAttempts()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:Retry:MaxAttempts"] = "3";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, 500) };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        var dead = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Dead);
        await Task.Delay(500);

        Assert.Equal("max_attempts", dead.LastError);
        Assert.Equal(500, dead.LastStatusCode);
        Assert.Equal([1, 2, 3], upstream.Of(id).Select(a => a.Attempt));
    }

    [Fact]
    public async Task MaxAge_DeadLettersADeliveryThatCannotBeDeliveredInTime()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:Retry:MaxAge"] = "00:00:01";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, 503) };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        var dead = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Dead);

        Assert.Equal("max_age", dead.LastError);
        Assert.InRange(upstream.Of(id).Count, 2, 25);
        Assert.True(dead.DeadAt - dead.ReceivedAt <= TimeSpan.FromSeconds(1.5), $"Dead-lettered {dead.DeadAt - dead.ReceivedAt} after it was received, with MaxAge 1 s.");
    }

    [Fact]
    public async Task MaxConcurrency_BoundsTheAttemptsUnderWayAtOnce()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:MaxConcurrency"] = "3";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = async (_, context) =>
            {
                await Task.Delay(150);
                return await UpstreamAttempts.Status(context, 200);
            },
        };

        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"))));
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == ids.Length, TimeSpan.FromSeconds(10), () => $"{upstream.Acknowledged.Count} of {ids.Length} deliveries acknowledged within 10 seconds.");

        Assert.Equal(3, upstream.MaxConcurrent);
        Assert.Equal(ids.Length, upstream.All.Count);
    }

    [Fact]
    public async Task DueDeliveries_AreAttemptedOldestFirst()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:MaxConcurrency"] = "1";
        });
        var release = new TaskCompletionSource();
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Hold(context, release.Task) };

        var first = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        await Eventually.UntilAsync(() => upstream.All.Count == 0 && gateway.Upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "The first delivery was not held by the upstream within 10 seconds.");
        var waiting = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            waiting.Add(await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")));
        }

        release.SetResult();
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == 6, TimeSpan.FromSeconds(10), () => $"{upstream.Acknowledged.Count} of 6 deliveries acknowledged within 10 seconds.");

        Assert.Equal([first, .. waiting], upstream.All.OrderBy(a => a.Started).Select(a => a.DeliveryId));
    }

    [Fact]
    public async Task AnUpstreamSlowerThanTheLease_IsCutOffBeforeTheLeaseEnds_AndTriedAgain()
    {
        // Lease 2 s: an attempt gets 1.5 s (a quarter is kept to record the result), though the cluster would wait 100 s.
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:Lease"] = "00:00:02";
        });
        var never = new TaskCompletionSource();
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => request.Header("X-Axitech-Delivery-Attempt") == "1"
                ? UpstreamAttempts.Hold(context, never.Task)
                : UpstreamAttempts.Status(context, 200),
        };

        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        var stored = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        var attempts = upstream.Of(id);
        Assert.Equal([1, 2], attempts.Select(a => a.Attempt));
        var first = attempts[0].Ended - attempts[0].Started;
        Assert.InRange(first, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(1.9));
        Assert.True(attempts[1].Started >= attempts[0].Ended, "The second attempt began while the first was still under way.");
        Assert.Equal(2, stored.Attempts);
    }

    [Fact]
    public async Task ABodyThatCannotBeDecrypted_IsDeadLettered_AndNothingIsSent()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var attempts = new UpstreamAttempts(upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, 503) };
        Guid id;
        await using (var first = await TestGateway.StartAsync(c => { QueueSettings.Queue(c, DatabasePath); c["Webhooks:Queue:EncryptionKeys:0"] = NewKey(); }, upstream))
        {
            id = await first.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
            await Eventually.UntilAsync(() => attempts.Of(id).Count > 0, TimeSpan.FromSeconds(10), "The delivery was not attempted within 10 seconds.");
        }

        attempts.Answer = (_, context) => UpstreamAttempts.Status(context, 200);
        var sentBefore = attempts.Of(id).Count;
        await using var second = await TestGateway.StartAsync(c => { QueueSettings.Queue(c, DatabasePath); c["Webhooks:Queue:EncryptionKeys:0"] = NewKey(); }, upstream);
        var dead = await QueueSettings.WaitForStateAsync(second.Store(), id, DeliveryState.Dead);

        Assert.Equal("body_unreadable", dead.LastError);
        Assert.Equal(sentBefore, attempts.Of(id).Count);
        Assert.DoesNotContain(attempts.Of(id), a => a.Status == 200);
    }

    [Fact]
    public async Task Workers_WakeOnAcceptance_OnAFinishedAttempt_AndWhenARetryFallsDue_NotOnTheirTimer()
    {
        // The default 30 s between looks at the store: each of these would wait that long if nothing woke the workers.
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:PollInterval"] = "00:00:30";
            c["Webhooks:Queue:MaxConcurrency"] = "1";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => UpstreamAttempts.Status(context, request.Header("X-Axitech-Delivery-Attempt") == "1" ? 503 : 200),
        };
        await Task.Delay(500); // the workers' first look at the (empty) store is over: they sleep

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ids = new[]
        {
            await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")),
            await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")),
            await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")),
        };
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == ids.Length, TimeSpan.FromSeconds(20), () => $"{upstream.Acknowledged.Count} of {ids.Length} deliveries acknowledged within 20 seconds.");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"Three deliveries, one at a time, each retried once, took {clock.Elapsed}.");
        Assert.All(ids, id => Assert.Equal([1, 2], upstream.Of(id).Select(a => a.Attempt)));
    }

    private static string NewKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
