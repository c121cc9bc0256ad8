using System.Net;
using System.Text;
using Axitech.Gateway.Queue;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// Findings of issue 22 on queued routes, end to end on the real gateway with a SQLite file: a content key holds for
/// the duplicate window only, and a stored delivery carries none of the sender's other headers.
/// </summary>
public sealed class QueuedRouteHardeningTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("axgw-queued-hardening-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AContentKeyedDelivery_AfterTheWindow_IsANewDelivery_EvenWhenTheFirstWasDeadLettered()
    {
        // A dead delivery kept its content key for DeadRetention (14 days): the same session sent after the duplicate
        // window was answered 200 as its duplicate, and nothing was stored or delivered.
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Policies:axitech:Tolerance"] = "00:00:02";
            c["Webhooks:Policies:axitech:Deduplication:ExpiryMargin"] = "00:00:00";
            c["Webhooks:Policies:axitech:Deduplication:Key:0"] = "event_type";
            c["Webhooks:Policies:axitech:Deduplication:Key:1"] = "data.sessionId";
        });
        var session = Guid.NewGuid().ToString("N");
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        };
        var first = SignedRequest.Create(TestGateway.ClaimsPath + "/sessions", Session(session, "first"));
        var firstId = await gateway.AcceptedAsync(first);
        await QueueSettings.WaitForStateAsync(gateway.Store(), firstId, DeliveryState.Dead);

        // The window ends at the first timestamp + Tolerance + ExpiryMargin; the second is signed after it.
        Assert.True(WebhookTimestamp.TryParse(first.Timestamp, out var signedAt));
        var windowEnd = signedAt + TimeSpan.FromSeconds(2);
        var wait = windowEnd - TimeProvider.System.GetUtcNow() + TimeSpan.FromMilliseconds(1100);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        gateway.Upstream.Respond = RecordingUpstream.DefaultRespond;
        using var response = await gateway.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/sessions", Session(session, "second")));

        var secondId = QueueSettings.AcceptedId(response);
        Assert.NotEqual(firstId, secondId);
        Assert.False(response.Headers.Contains("X-Axitech-Duplicate"));
        await QueueSettings.WaitForStateAsync(gateway.Store(), secondId, DeliveryState.Delivered);
        Assert.Contains(gateway.Upstream.Received, r => Encoding.UTF8.GetString(r.Body).Contains("second", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HeadersSpelledWithUnderscores_DoNotReachTheUpstream_FromAQueuedRoute()
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/underscores");
        using var request = delivery.ToHttpRequest(gateway.PublicPort);
        request.Headers.TryAddWithoutValidation("X_HTTP_Method_Override", "DELETE");
        request.Headers.TryAddWithoutValidation("X_Original_URL", "/internal/admin");
        request.Headers.TryAddWithoutValidation("X_Axitech_Delivery_Id", "forged");
        request.Headers.TryAddWithoutValidation("X_Forwarded_For", "10.0.0.1");

        using var response = await gateway.Client.SendAsync(request);
        var id = QueueSettings.AcceptedId(response);
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        var received = Assert.Single(gateway.Upstream.Received);
        Assert.DoesNotContain(received.Headers.Keys, name => name.Contains('_', StringComparison.Ordinal));
        Assert.Equal(id.ToString("D"), received.Header("X-Axitech-Delivery-Id"));
    }

    private static byte[] Session(string session, string note)
        => Encoding.UTF8.GetBytes("{\"event_type\":\"session.submitted\",\"note\":\"" + note + "\",\"data\":{\"sessionId\":\"" + session + "\"}}");
}
