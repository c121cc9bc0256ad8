using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Deduplication;

public sealed class InMemoryDeduplicationTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task RepeatOfADeliveredDelivery_IsAnsweredWithTheRememberedStatus_AndNotForwarded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        };
        var delivery = SignedRequest.Create(Target);

        using var first = await gateway.SendAsync(delivery);
        using var repeat = await gateway.SendAsync(delivery);
        using var again = await gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.False(first.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
        Assert.Equal("true", Assert.Single(repeat.Headers.GetValues("X-Axitech-Duplicate")));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Single(gateway.Upstream.Received);
    }

    [Fact]
    public async Task DeliveryTheUpstreamRefused_IsForwardedAgainOnRetry()
    {
        await using var gateway = await TestGateway.StartAsync();
        var delivery = SignedRequest.Create(Target);
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        };

        using var failed = await gateway.SendAsync(delivery);
        gateway.Upstream.Respond = RecordingUpstream.DefaultRespond;
        using var retried = await gateway.SendAsync(delivery);
        using var repeat = await gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("X-Axitech-Duplicate"));
        Assert.True(repeat.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }

    [Fact]
    public async Task RepeatWhileTheFirstIsInFlight_Is409WithRetryAfter_AndNotForwarded()
    {
        await using var gateway = await TestGateway.StartAsync();
        var release = new TaskCompletionSource();
        gateway.Upstream.Respond = async (context, _) =>
        {
            await release.Task;
            context.Response.StatusCode = 200;
        };
        var delivery = SignedRequest.Create(Target);

        var first = gateway.SendAsync(delivery);
        await Eventually.UntilAsync(() => gateway.Upstream.Received.Count == 1, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        using var concurrent = await gateway.SendAsync(delivery);
        release.SetResult();
        using var firstResponse = await first;

        Assert.Equal(HttpStatusCode.Conflict, concurrent.StatusCode);
        Assert.NotNull(concurrent.Headers.RetryAfter);
        Assert.Equal("in_flight", (await concurrent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Single(gateway.Upstream.Received);
    }

    [Fact]
    public async Task DuplicateMarkerSentByTheSender_IsRemovedBeforeForwarding()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var request = SignedRequest.Create(Target).ToHttpRequest(gateway.PublicPort);
        request.Headers.TryAddWithoutValidation("X-Axitech-Duplicate", "true");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Assert.Single(gateway.Upstream.Received).Header("X-Axitech-Duplicate"));
    }

    [Fact]
    public async Task ContentKey_TreatsAReSignedRetryWithANewTimestampAsARepeat()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["Webhooks:Policies:axitech:Deduplication:Key:0"] = "event_type";
            c["Webhooks:Policies:axitech:Deduplication:Key:1"] = "data.sessionId";
        });
        var body = SignedRequest.UniqueBody();
        var now = DateTimeOffset.UtcNow;

        using var first = await gateway.SendAsync(SignedRequest.Create(Target, body, timestamp: Axitech.Webhooks.WebhookTimestamp.FormatUnixSeconds(now)));
        using var resigned = await gateway.SendAsync(SignedRequest.Create(Target, body, timestamp: Axitech.Webhooks.WebhookTimestamp.FormatUnixSeconds(now.AddSeconds(30))));
        using var otherSession = await gateway.SendAsync(SignedRequest.Create(Target));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(resigned.Headers.Contains("X-Axitech-Duplicate"));
        Assert.False(otherSession.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }

    [Fact]
    public async Task ContentKey_ASlidCopyOfADeliveredDelivery_IsRefused_NotForwardedAgain()
    {
        // The signed string has no separator between timestamp and body: "…:51Z" + "{…}" and "…:51" + "Z{…}" are the
        // same bytes, so the slid copy carries a valid signature. Keyed on its signature (its body has no content key)
        // it would not be seen as the original's repeat; its body continues its timestamp, so it is refused first.
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["Webhooks:Policies:axitech:Deduplication:Key:0"] = "event_type";
            c["Webhooks:Policies:axitech:Deduplication:Key:1"] = "data.sessionId";
        });
        var body = SignedRequest.UniqueBody();
        var timestamp = Axitech.Webhooks.WebhookTimestamp.FormatIso8601(DateTimeOffset.UtcNow);
        var original = SignedRequest.Create(Target, body, timestamp: timestamp);
        var slid = original with { Timestamp = timestamp[..^1], Body = [(byte)'Z', .. body] };

        using var first = await gateway.SendAsync(original);
        using var second = await gateway.SendAsync(slid);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Contains("ambiguous_timestamp", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(body, Assert.Single(gateway.Upstream.Received).Body);
    }

    [Fact]
    public async Task Disabled_ForwardsEveryRepeat()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:Deduplication:Enabled"] = "false");
        var delivery = SignedRequest.Create(Target);

        using var first = await gateway.SendAsync(delivery);
        using var repeat = await gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }

    [Fact]
    public async Task FullStore_Refuses503_RatherThanEvicting()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Deduplication:MaxEntries"] = "2");
        var first = SignedRequest.Create(Target);

        using var a = await gateway.SendAsync(first);
        using var b = await gateway.SendNewAsync();
        using var c = await gateway.SendNewAsync();
        using var repeatOfFirst = await gateway.SendAsync(first);

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, c.StatusCode);
        Assert.Equal("store_full", (await c.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.True(repeatOfFirst.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }
}
