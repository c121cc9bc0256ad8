using System.Net;
using Axitech.Gateway.Telemetry;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

[Collection(MetricsScrapeIsolation.Name)]
public sealed class WebhookMetricsTests
{
    private const string Webhooks = "axitech_gateway_webhooks_total";
    private const string Upstream = "axitech_gateway_upstream_requests_total";
    private const string VerificationDuration = "axitech_gateway_webhook_verification_duration_seconds";
    private const string BodySize = "axitech_gateway_webhook_body_size_bytes";

    /// <summary>The sender's address as a trusted proxy reports it: it may appear in logs, never in a label.</summary>
    private const string SenderAddress = "203.0.113.77";

    [Fact]
    public async Task EveryRequestOnAWebhookRoute_IsCountedExactlyOnce_UnderItsOutcomeAndReason()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            route.AddTo(c);
            c["Webhooks:Policies:axitech:MaxBodyBytes"] = "1024";
            c["Deduplication:MaxEntries"] = "3";
            c["Gateway:FailureThrottling:Enabled"] = "true";
            c["Gateway:FailureThrottling:PermitLimit"] = "9";
            c["Gateway:FailureThrottling:Window"] = "00:10:00";
            c["Gateway:TrustedProxies:0"] = "127.0.0.1";
        });
        var sent = new List<(string Expected, HttpStatusCode Status)>();
        var verifiedBodyBytes = 0L;
        async Task Send(string expected, SignedRequest request, bool verified = true)
        {
            using var response = await SendFromSenderAsync(gateway, request);
            sent.Add((expected, response.StatusCode));
            verifiedBodyBytes += verified ? request.Body.Length : 0;
        }

        // Three deliveries fill the three entries of the duplicate store; the third is repeated while in flight.
        var first = SignedRequest.Create(route.Target());
        await Send("accepted", first);
        await Send("accepted", SignedRequest.Create(route.Target()));
        await Send("duplicate/delivered", first);
        var release = new TaskCompletionSource();
        gateway.Upstream.Respond = async (context, request) =>
        {
            await release.Task;
            await RecordingUpstream.DefaultRespond(context, request);
        };
        var third = SignedRequest.Create(route.Target());
        var inFlight = SendFromSenderAsync(gateway, third);
        await Eventually.UntilAsync(() => gateway.Upstream.Received.Count == 3, TimeSpan.FromSeconds(10), "Condition not met within 10 seconds.");
        await Send("duplicate/in_flight", third);
        release.SetResult();
        using (var thirdResponse = await inFlight)
        {
            sent.Add(("accepted", thirdResponse.StatusCode));
            verifiedBodyBytes += third.Body.Length;
        }

        gateway.Upstream.Respond = RecordingUpstream.DefaultRespond;
        await Send("rejected/store_full", SignedRequest.Create(route.Target()));

        // Nine failures use up the sender's failure permits; its next delivery is throttled.
        var genuine = SignedRequest.Create(route.Target());
        var now = DateTimeOffset.UtcNow;
        await Send("rejected/missing_signature", genuine with { Signature = string.Empty }, verified: false);
        await Send("rejected/missing_timestamp", genuine with { Timestamp = string.Empty }, verified: false);
        await Send("rejected/invalid_signature", SignedRequest.Create(route.Target(), secret: "wh_sec_attacker"));
        await Send("rejected/invalid_timestamp", SignedRequest.Create(route.Target(), timestamp: "+" + WebhookTimestamp.FormatUnixSeconds(now)));
        await Send("rejected/stale_timestamp", SignedRequest.Create(route.Target(), timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddMinutes(-10))));
        await Send("rejected/future_timestamp", SignedRequest.Create(route.Target(), timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddDays(1))));
        await Send("rejected/body_too_large", SignedRequest.Create(route.Target(), new byte[2048]), verified: false);
        await Send("rejected/method_not_allowed", SignedRequest.Create(route.Target(), method: "PUT"), verified: false);
        await Send("rejected/invalid_target", SignedRequest.Create(route.Target("a/%2e%2e/events")), verified: false);
        await Send("rejected/rate_limited", SignedRequest.Create(route.Target()), verified: false);

        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(Webhooks, route.Label) >= sent.Count && s.Sum(Upstream, route.Label) >= 3);

        var expected = sent.GroupBy(s => s.Expected).ToDictionary(g => g.Key, g => (double)g.Count());
        var counted = scrape.Find(Webhooks, route.Label).ToDictionary(
            s => s.Label("reason") is { } reason ? $"{s.Label("outcome")}/{reason}" : s.Label("outcome")!,
            s => s.Value);
        Assert.Equal(expected.OrderBy(p => p.Key), counted.OrderBy(p => p.Key));
        Assert.Equal(16, sent.Count);
        Assert.Equal(sent.Count, scrape.Sum(Webhooks, route.Label));
        Assert.All(scrape.Find(Webhooks, route.Label), s => Assert.Equal("axitech", s.Label("policy")));
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable],
            sent.Take(6).Select(s => s.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, sent[^1].Status);

        // Forwarded exactly three times, all answered 200; verified (and measured) ten times.
        Assert.Equal(3, scrape.Sum(Upstream, route.Label, ("http_response_status_code", "200"), ("error", "none")));
        Assert.Equal(3, scrape.Sum(Upstream, route.Label));
        Assert.Equal(10, scrape.Sum(VerificationDuration + "_count", route.Label, ("policy", "axitech")));
        Assert.Equal(10, scrape.Sum(BodySize + "_count", route.Label, ("policy", "axitech")));
        Assert.Equal(verifiedBodyBytes, scrape.Sum(BodySize + "_sum", route.Label));
    }

    [Fact]
    public async Task FailedForwarding_IsCountedByTheStatusAnsweredAndTheForwarderError()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(route.AddTo);
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };

        using var refused = await gateway.SendAsync(SignedRequest.Create(route.Target()));

        // A reset rather than a stopped upstream: stopping a host in the test process would take metric streams away.
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        using var reset = await gateway.SendAsync(SignedRequest.Create(route.Target()));
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(Upstream, route.Label) >= 2);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, reset.StatusCode);
        Assert.Equal(1, scrape.Sum(Upstream, route.Label, ("http_response_status_code", "503"), ("error", "none")));
        Assert.Equal(1, scrape.Sum(Upstream, route.Label, ("http_response_status_code", "502"), ("error", "request")));
        Assert.Equal(2, scrape.Sum(Upstream, route.Label));
        Assert.Equal(2, scrape.Sum(Webhooks, route.Label, ("outcome", "accepted")));
    }

    [Fact]
    public async Task VerificationDurationAndBodySize_LandInTheirBuckets()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(route.AddTo);

        using var large = await gateway.SendAsync(SignedRequest.Create(route.Target(), Filler(3000)));
        var afterLarge = await gateway.ScrapeUntilAsync(s => s.Sum(BodySize + "_count", route.Label) >= 1);
        using var small = await gateway.SendAsync(SignedRequest.Create(route.Target(), Filler(100)));
        var afterSmall = await gateway.ScrapeUntilAsync(s => s.Sum(BodySize + "_count", route.Label) >= 2);

        Assert.Equal(HttpStatusCode.OK, large.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal([0, 0, 0, 1, 1], BodyBuckets(afterLarge));
        Assert.Equal([1, 1, 1, 2, 2], BodyBuckets(afterSmall));
        Assert.Equal(3000, afterLarge.Sum(BodySize + "_sum", route.Label));
        Assert.Equal(3100, afterSmall.Sum(BodySize + "_sum", route.Label));

        Assert.Equal(1, afterLarge.Bucket(VerificationDuration, "+Inf", route.Label));
        Assert.Equal(2, afterSmall.Bucket(VerificationDuration, "+Inf", route.Label));
        Assert.Equal(2, afterSmall.Sum(VerificationDuration + "_count", route.Label));
        Assert.InRange(afterSmall.Sum(VerificationDuration + "_sum", route.Label), double.Epsilon, 1);
        Assert.True(
            afterSmall.Sum(VerificationDuration + "_sum", route.Label) > afterLarge.Sum(VerificationDuration + "_sum", route.Label),
            "The second verification's duration was added to the sum.");

        // The boundaries are the ones declared for microsecond verifications, cumulative and ending at +Inf.
        var durationBuckets = afterSmall.Find(VerificationDuration + "_bucket", route.Label).ToList();
        Assert.Equal(["5E-06", "1E-05", "2.5E-05", "5E-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "+Inf"], durationBuckets.Select(b => b.Label("le")));
        Assert.Equal(durationBuckets.Select(b => b.Value).Order(), durationBuckets.Select(b => b.Value));

        double[] BodyBuckets(PrometheusScrape scrape)
            => [.. new[] { "128", "512", "1024", "4096", "+Inf" }.Select(le => scrape.Bucket(BodySize, le, route.Label))];
    }

    [Fact]
    public async Task MetricLabels_NeverCarryPathsAddressesOrDeliveryContent()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            route.AddTo(c);
            c["Gateway:TrustedProxies:0"] = "127.0.0.1";
        });
        var pathSegment = Guid.NewGuid().ToString("N");
        var queryValue = Guid.NewGuid().ToString("N");
        var accepted = SignedRequest.Create(route.Target($"events/{pathSegment}?delivery={queryValue}"));
        var forged = SignedRequest.Create(route.Target($"events/{pathSegment}"), secret: "wh_sec_attacker");

        using var first = await SendFromSenderAsync(gateway, accepted);
        using var repeat = await SendFromSenderAsync(gateway, accepted);
        using var rejected = await SendFromSenderAsync(gateway, forged);
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(Webhooks, route.Label) >= 3 && s.Sum(Upstream, route.Label) >= 1);

        Assert.Equal(3, scrape.Sum(Webhooks, route.Label));
        var sessionId = System.Text.Json.JsonDocument.Parse(accepted.Body).RootElement.GetProperty("data").GetProperty("sessionId").GetString()!;
        string[] forbidden = [pathSegment, queryValue, SenderAddress, sessionId, accepted.Signature, forged.Signature, TestGateway.Secret];
        var labelValues = scrape.Samples.SelectMany(s => s.Labels.Values).Distinct().ToList();
        foreach (var value in forbidden)
        {
            Assert.DoesNotContain(labelValues, label => label.Contains(value, StringComparison.OrdinalIgnoreCase));
        }

        // The gateway's own series carry configured names and fixed vocabularies only.
        string[] reasons =
        [
            .. Enum.GetValues<WebhookVerificationOutcome>().Where(o => o != WebhookVerificationOutcome.Valid).Select(o => o.ToReasonCode()),
            .. typeof(WebhookOutcomes).GetFields().Select(f => (string)f.GetRawConstantValue()!),
        ];
        var own = scrape.Samples.Where(s => s.Name.StartsWith("axitech_gateway_", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(own);
        Assert.All(own, s => Assert.Subset(
            new HashSet<string> { "otel_scope_name", "route", "policy", "outcome", "reason", "le", "http_response_status_code", "error" },
            s.Labels.Keys.ToHashSet()));
        Assert.All(own, s => Assert.True(s.Label("reason") is null || reasons.Contains(s.Label("reason")), $"Unexpected reason '{s.Label("reason")}'."));
        Assert.All(own, s => Assert.True(s.Label("outcome") is null or "accepted" or "rejected" or "duplicate", $"Unexpected outcome '{s.Label("outcome")}'."));
    }

    /// <summary>Sends as if through a trusted proxy that reports the sender at <see cref="SenderAddress"/>.</summary>
    private static Task<HttpResponseMessage> SendFromSenderAsync(TestGateway gateway, SignedRequest request)
    {
        var message = request.ToHttpRequest(gateway.PublicPort);
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", SenderAddress);
        return gateway.Client.SendAsync(message);
    }

    private static byte[] Filler(int length) => [.. Enumerable.Repeat((byte)'x', length)];
}
