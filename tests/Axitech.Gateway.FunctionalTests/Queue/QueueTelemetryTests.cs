using System.Diagnostics;
using System.Net;
using Axitech.Gateway.FunctionalTests.Telemetry;
using Axitech.Gateway.Queue;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// What a queued route exports, read from a real scrape of /metrics: each instrument under its exact Prometheus name,
/// with the values the store and the attempts give it. Runs alone (see <see cref="MetricsScrapeIsolation"/>).
/// </summary>
[Collection(MetricsScrapeIsolation.Name)]
public sealed class QueueTelemetryTests
{
    [Fact]
    public async Task QueueMetrics_AreExportedUnderTheirExactNames_WithTheStoresCountsAndTheAttemptsResults()
    {
        using var directory = new TemporaryDirectory("axgw-queue-metrics-");
        var route = IsolatedRoute.Create();
        var release = new TaskCompletionSource();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            route.AddTo(c);
            QueueSettings.Queue(c, Path.Combine(directory.Path, "queue.db"), route.Id);
        });
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => System.Text.Encoding.UTF8.GetString(request.Body) switch
            {
                var body when body.Contains("\"refused\"", StringComparison.Ordinal) => UpstreamAttempts.Status(context, 404),
                var body when body.Contains("\"held\"", StringComparison.Ordinal) => UpstreamAttempts.Hold(context, release.Task),
                _ => UpstreamAttempts.Status(context, request.Header("X-Axitech-Delivery-Attempt") == "1" ? 503 : 200),
            },
        };

        var delivered = await gateway.AcceptedAsync(SignedRequest.Create(route.Target()));
        var dead = await gateway.AcceptedAsync(SignedRequest.Create(route.Target(), """{"event_type":"refused"}"""u8.ToArray()));
        await QueueSettings.WaitForStateAsync(gateway.Store(), delivered, DeliveryState.Delivered);
        await QueueSettings.WaitForStateAsync(gateway.Store(), dead, DeliveryState.Dead);
        await gateway.AcceptedAsync(SignedRequest.Create(route.Target(), """{"event_type":"held"}"""u8.ToArray()));
        var scrape = await gateway.ScrapeUntilAsync(s =>
            s.Sum("axitech_gateway_queue_deliveries", route.Label, ("state", "pending")) == 1
            && s.Sum("axitech_gateway_queue_oldest_pending_age_seconds", route.Label) > 0);
        release.SetResult();

        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_deliveries", route.Label, ("state", "pending")));
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_deliveries", route.Label, ("state", "dead")));
        Assert.InRange(scrape.Sum("axitech_gateway_queue_oldest_pending_age_seconds", route.Label), 0.001, 30);
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_store_up"));
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_attempts_total", route.Label, ("result", "delivered")));
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_attempts_total", route.Label, ("result", "retried")));
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_attempts_total", route.Label, ("result", "dead_lettered")));
        Assert.Equal(1, scrape.Sum("axitech_gateway_queue_delivery_latency_seconds_count", route.Label));
        Assert.Equal(1, scrape.Bucket("axitech_gateway_queue_delivery_latency_seconds", "259200", route.Label));
        Assert.Equal(0, scrape.Bucket("axitech_gateway_queue_delivery_latency_seconds", "0.01", route.Label));
        Assert.Equal(3, scrape.Sum("axitech_gateway_webhooks_total", route.Label, ("outcome", "queued")));
        Assert.Contains("# TYPE axitech_gateway_queue_deliveries gauge", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE axitech_gateway_queue_oldest_pending_age_seconds gauge", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE axitech_gateway_queue_store_up gauge", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE axitech_gateway_queue_attempts_total counter", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE axitech_gateway_queue_delivery_latency_seconds histogram", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreThatCannotWrite_IsReportedDown()
    {
        using var directory = new TemporaryDirectory("axgw-queue-metrics-");
        var blocker = Path.Combine(directory.Path, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a regular file");
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            route.AddTo(c);
            QueueSettings.Queue(c, Path.Combine(blocker, "queue.db"), route.Id);
        });

        using var refused = await gateway.SendAsync(SignedRequest.Create(route.Target()));
        var scrape = await gateway.ScrapeUntilAsync(s => s.Names.Contains("axitech_gateway_queue_store_up"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(0, scrape.Sum("axitech_gateway_queue_store_up"));
        Assert.Equal(1, scrape.Sum("axitech_gateway_webhooks_total", route.Label, ("reason", "queue_unavailable")));
    }

    [Fact]
    public async Task EachAttempt_IsASpanOfItsOwn_LinkedToTheAcceptancesTrace_WithoutBodyOrSignature()
    {
        using var directory = new TemporaryDirectory("axgw-queue-spans-");
        var spans = new SpanCollection();
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, Path.Combine(directory.Path, "queue.db")), services: spans.AddTo);
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => UpstreamAttempts.Status(context, request.Header("X-Axitech-Delivery-Attempt") == "1" ? 503 : 200),
        };
        using var sender = UntracedSender.Create(gateway.PublicPort);
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        var acceptance = Traceparent.New();
        using var request = delivery.ToHttpRequest(gateway.PublicPort);
        request.Headers.Add("traceparent", acceptance.ToString());

        using var response = await sender.SendAsync(request);
        var id = Guid.Parse(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);
        await Eventually.UntilAsync(() => DeliverSpans(spans, id).Count == 2, TimeSpan.FromSeconds(10), "The two attempts' spans were not exported within 10 seconds.");

        var attempts = DeliverSpans(spans, id).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal([1, 2], attempts.Select(s => s.GetTagItem("delivery.attempt")));
        Assert.Equal(["retried", "delivered"], attempts.Select(s => s.GetTagItem("outcome")));
        Assert.Equal(["status_503", null], attempts.Select(s => s.GetTagItem("reason")));
        Assert.Equal([ActivityStatusCode.Error, ActivityStatusCode.Unset], attempts.Select(s => s.Status));
        foreach (var span in attempts)
        {
            Assert.Equal(GatewayTelemetry.DeliverActivityName, span.OperationName);
            Assert.Equal("claims", span.GetTagItem("route"));
            Assert.Equal(default, span.ParentSpanId);
            Assert.NotEqual(acceptance.TraceId, span.TraceId);
            var link = Assert.Single(span.Links);
            Assert.Equal(acceptance.TraceId, link.Context.TraceId);
            Assert.All(span.Tags, tag => Assert.DoesNotContain(delivery.Signature, tag.Value ?? string.Empty, StringComparison.Ordinal));
            Assert.All(span.Tags, tag => Assert.DoesNotContain("contact@example.com", tag.Value ?? string.Empty, StringComparison.Ordinal));
        }

        // The link leads to the acceptance's own span (the gateway's, in the sender's trace), and the upstream gets the attempt's trace.
        var accepted = spans.Snapshot().Single(s => s.OperationName == GatewayTelemetry.VerifyActivityName && s.TraceId == acceptance.TraceId);
        Assert.Equal("queued", accepted.GetTagItem("outcome"));
        Assert.All(attempts, s => Assert.Equal(accepted.SpanId, s.Links.Single().Context.SpanId));
        Assert.Equal(attempts[1].TraceId, Traceparent.Parse(upstream.Of(id)[1].Request.Header("traceparent")).TraceId);
    }

    private static List<Activity> DeliverSpans(SpanCollection spans, Guid id)
        => [.. spans.Snapshot().Where(s => s.OperationName == GatewayTelemetry.DeliverActivityName && (string?)s.GetTagItem("delivery.id") == id.ToString("D"))];
}
