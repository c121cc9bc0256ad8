using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Deduplication;

/// <summary>Two gateway replicas on one real redis-server, in front of one real upstream.</summary>
/// <remarks>One test reads /metrics, so the class runs with the scrape-isolated tests.</remarks>
[Collection(Telemetry.MetricsScrapeIsolation.Name)]
public sealed class SharedRedisDeduplicationTests : IAsyncLifetime
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private RedisServer _redis = null!;
    private RecordingUpstream _upstream = null!;
    private TestGateway _a = null!;
    private TestGateway _b = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _upstream = await RecordingUpstream.StartAsync();
        _a = await TestGateway.StartAsync(UseRedis, _upstream);
        _b = await TestGateway.StartAsync(UseRedis, _upstream);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in new IAsyncDisposable?[] { _a, _b, _upstream, _redis })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task SameDelivery_SentToBothReplicasConcurrentlyAndRepeatedly_ReachesTheUpstreamOnce()
    {
        _upstream.Respond = async (context, _) =>
        {
            await Task.Delay(100);
            context.Response.StatusCode = 200;
        };
        var delivery = SignedRequest.Create(Target);

        var responses = new List<HttpResponseMessage>();
        for (var round = 0; round < 3; round++)
        {
            responses.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _a : _b).SendAsync(delivery))));
        }

        Assert.Single(_upstream.Received);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK && !r.Headers.Contains("X-Axitech-Duplicate"));
        Assert.All(responses, r => Assert.True(
            r.StatusCode == HttpStatusCode.Conflict || (r.StatusCode == HttpStatusCode.OK),
            $"unexpected {(int)r.StatusCode}"));

        // Once settled, every repeat through either replica is answered as a duplicate.
        using var fromA = await _a.SendAsync(delivery);
        using var fromB = await _b.SendAsync(delivery);
        Assert.Equal("true", fromA.Headers.GetValues("X-Axitech-Duplicate").Single());
        Assert.Equal("true", fromB.Headers.GetValues("X-Axitech-Duplicate").Single());
        Assert.Single(_upstream.Received);
        responses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task DeliveryThatFailedUpstream_IsForwardedAgainOnRetry_ThroughTheOtherReplica()
    {
        var delivery = SignedRequest.Create(Target);
        _upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        };

        using var failed = await _a.SendAsync(delivery);
        _upstream.Respond = RecordingUpstream.DefaultRespond;
        using var retried = await _b.SendAsync(delivery);
        using var repeat = await _a.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("X-Axitech-Duplicate"));
        Assert.True(repeat.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(2, _upstream.Received.Count);
    }

    [Fact]
    public async Task RedisKilled_Gives503AndUnready_AndServiceResumesWhenItReturns()
    {
        using var before = await _a.SendNewAsync();
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        await _redis.KillAsync();
        using var during = await _a.SendNewAsync();
        using var readyDuring = await _a.Management.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("store_unavailable", (await during.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuring.StatusCode);
        Assert.Single(_upstream.Received);

        await _redis.RestartAsync();
        var status = await Eventually.UntilAsync(
            async () =>
            {
                await Task.Delay(250, TestContext.Current.CancellationToken);
                using var retry = await _a.SendNewAsync();
                return retry.StatusCode;
            },
            s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            s => $"A delivery after Redis came back was still answered {(int)s} after 30 seconds.",
            interval: TimeSpan.Zero);

        using var readyAfter = await _a.Management.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, readyAfter.StatusCode);
        Assert.Equal(2, _upstream.Received.Count);
    }

    [Fact]
    public async Task WithForwardWhenUnavailable_DeliveriesAreForwardedUnprotected_AndCounted()
    {
        await using var available = await TestGateway.StartAsync(c =>
        {
            UseRedis(c);
            c["Webhooks:Policies:axitech:Deduplication:OnStoreUnavailable"] = "Forward";
        }, _upstream);
        await _redis.KillAsync();

        using var response = await available.SendNewAsync();
        var metrics = await available.ScrapeMetricsAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_upstream.Received);
        Assert.Contains("reason=\"store_unavailable_forwarded\"", metrics, StringComparison.Ordinal);
    }

    private void UseRedis(Dictionary<string, string?> configuration)
        => configuration["ConnectionStrings:Redis"] = _redis.ConnectionString;
}
