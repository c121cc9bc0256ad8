using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Axitech.Gateway.Commands;
using Axitech.Gateway.Queue;
using Axitech.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// Queued routes from the sender's request to the upstream's 2xx, with the real gateway, a real upstream and a real
/// SQLite file: an upstream down past the freshness window, a dead letter replayed by the command, a store that cannot
/// write, encryption at rest, forgeries, and a route switched to queued by a reload.
/// </summary>
public sealed class QueueEndToEndTests : IDisposable
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private readonly TemporaryDirectory _directory = new("axgw-queue-e2e-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task UpstreamDownLongerThanTheFreshnessWindow_EveryAcceptedDeliveryArrivesByteForByte()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Policies:axitech:Tolerance"] = "00:00:05";
            c["Webhooks:Queue:Retry:MaxDelay"] = "00:00:01";
            c["Webhooks:Queue:Retry:MaxAttempts"] = "100";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream);
        await gateway.Upstream.StopAsync();

        var sent = new Dictionary<Guid, SignedRequest>();
        for (var i = 0; i < 20; i++)
        {
            var delivery = SignedRequest.Create($"{Target}/{i.ToString(CultureInfo.InvariantCulture)}?n=%2F{i.ToString(CultureInfo.InvariantCulture)}&e=");
            sent.Add(await gateway.AcceptedAsync(delivery), delivery);
        }

        // Refused until the route backs off as a whole, past the 5 s its sender's retries would be good for.
        var store = gateway.Store();
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();
        await Eventually.UntilAsync(() => workers.RouteStatus("claims")?.State == RouteState.BackingOff, TimeSpan.FromSeconds(10), "The route did not back off against the stopped upstream within 10 seconds.");
        var lastSigned = sent.Values.Max(d => DateTimeOffset.FromUnixTimeSeconds(long.Parse(d.Timestamp, CultureInfo.InvariantCulture)));
        var stale = lastSigned + TimeSpan.FromSeconds(6) - DateTimeOffset.UtcNow;
        await Task.Delay(stale > TimeSpan.Zero ? stale : TimeSpan.Zero);
        var refused = await store.GetAsync(sent.Keys.First(), false, default);
        var backAt = DateTimeOffset.UtcNow;
        await gateway.Upstream.RestartAsync();
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == sent.Count, TimeSpan.FromSeconds(15), () => $"{upstream.Acknowledged.Count} of {sent.Count} deliveries acknowledged within 15 seconds of the upstream's restart.");

        Assert.Equal("connection_refused", refused!.LastError);
        Assert.All(sent.Values, d => Assert.True(backAt - DateTimeOffset.FromUnixTimeSeconds(long.Parse(d.Timestamp, CultureInfo.InvariantCulture)) > TimeSpan.FromSeconds(5), "Delivered within its freshness window."));
        Assert.Equal(sent.Keys.Order(), upstream.Acknowledged.Order());
        foreach (var (id, delivery) in sent)
        {
            var received = upstream.Of(id).First(a => a.Status == 200).Request;
            Assert.Equal(delivery.Target, received.RawTarget);
            Assert.Equal(delivery.Body, received.Body);
            Assert.Equal(delivery.Signature, received.Header(AxitechSignature.SignatureHeaderName));
            Assert.Equal(delivery.Timestamp, received.Header(AxitechSignature.TimestampHeaderName));
        }

        foreach (var id in sent.Keys)
        {
            await QueueSettings.WaitForStateAsync(store, id, DeliveryState.Delivered);
        }
    }

    [Fact]
    public async Task PermanentRejection_IsDeadLettered_ThenReplayDeliversItOnceTheUpstreamTakesIt()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory.Path, "appsettings.json"), $$"""{ "Webhooks": { "Queue": { "Path": "{{DatabasePath}}" } } }""");
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, 400) };
        var delivery = SignedRequest.Create(Target);

        var id = await gateway.AcceptedAsync(delivery);
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Dead);
        upstream.Answer = (_, context) => UpstreamAttempts.Status(context, 202);
        var exitCode = await GatewayCommandLine.InvokeAsync(["deliveries", "replay", id.ToString("D"), "--config-dir", _directory.Path]);
        var delivered = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        Assert.Equal(0, exitCode);
        Assert.Equal([400, 202], upstream.Of(id).Select(a => a.Status));
        Assert.Equal([1, 1], upstream.Of(id).Select(a => a.Attempt)); // a replay starts the count again
        Assert.Equal(delivery.Body, upstream.Of(id)[1].Request.Body);
        Assert.Equal(202, delivered.LastStatusCode);
    }

    [Fact]
    public async Task StoreThatCannotWrite_Answers503_AcknowledgesNothing_AndIsNotReady()
    {
        // Root ignores permission bits; nobody can create a file inside a regular file.
        var blocker = Path.Combine(_directory.Path, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a regular file");
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, Path.Combine(blocker, "queue.db")));

        using var response = await gateway.SendAsync(SignedRequest.Create(Target));
        using var ready = await gateway.Management.GetAsync("/readyz");
        var readiness = await ready.Content.ReadAsStringAsync();
        await Task.Delay(300);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Axitech-Delivery-Id"));
        Assert.Contains("queue_unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"name\":\"delivery-queue\",\"status\":\"Unhealthy\"", readiness, StringComparison.Ordinal);
        Assert.Empty(gateway.Upstream.Received);
    }

    [Fact]
    public async Task WithEncryptionKeys_NeitherTheDatabaseNorItsWalHoldsTheBodyInTheClear()
    {
        const string Marker = "PLAINTEXT-MARKER-7d41c9";
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:EncryptionKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        });
        var upstream = new UpstreamAttempts(gateway.Upstream);
        var body = Encoding.UTF8.GetBytes($$$"""{"event_type":"session.submitted","data":{"note":"{{{Marker}}}","sessionId":"{{{Guid.NewGuid():N}}}"}}""");

        var id = await gateway.AcceptedAsync(SignedRequest.Create(Target, body));
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        Assert.Equal(body, Assert.Single(upstream.All).Request.Body);
        Assert.True(File.Exists(DatabasePath + "-wal"), "The write-ahead log, where commits land first, is checked too.");
        foreach (var file in new[] { DatabasePath, DatabasePath + "-wal" })
        {
            Assert.True(ReadShared(file).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker)) < 0, $"{Path.GetFileName(file)} holds the body in the clear.");
        }
    }

    [Fact]
    public async Task TamperedDelivery_IsRefused_AndNeverStored()
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var genuine = SignedRequest.Create(Target);

        using var forged = await gateway.SendAsync(SignedRequest.Create(Target, secret: "wh_sec_attacker"));
        using var altered = await gateway.SendAsync(genuine with { Body = [.. genuine.Body, (byte)' '] });
        using var retargeted = await gateway.SendAsync(genuine with { Target = Target + "?x=1" });
        await Task.Delay(300);

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, altered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, retargeted.StatusCode);
        Assert.Empty(await gateway.Store().ListAsync(new DeliveryQuery(), default));
        Assert.Empty(gateway.Upstream.Received);
    }

    [Fact]
    public async Task RouteSwitchedToQueueByAReload_GetsItsWorkers_AndNoStoreExistsBefore()
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath, route: null), appsettingsJson: LateRoute("Forward"));
        var upstream = new UpstreamAttempts(gateway.Upstream);
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();

        using (var forwarded = await gateway.SendAsync(SignedRequest.Create("/webhooks/late/x")))
        {
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        using (var ready = await gateway.Management.GetAsync("/readyz"))
        {
            Assert.Contains("No route queues its deliveries.", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Empty(workers.Routes);
        Assert.False(File.Exists(DatabasePath), "A gateway without queued routes created the store.");

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), LateRoute("Queue"));
        await Eventually.UntilAsync(() => workers.Routes.Count == 1, TimeSpan.FromSeconds(20), "The reload that queues route late did not start its workers within 20 seconds.");
        var id = await gateway.AcceptedAsync(SignedRequest.Create("/webhooks/late/x"));
        await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);

        Assert.Equal(["late"], workers.Routes);
        Assert.Equal("1", Assert.Single(upstream.Of(id)).Request.Header("X-Axitech-Delivery-Attempt"));

        await File.WriteAllTextAsync(Path.Combine(gateway.ConfigDirectory, "appsettings.json"), LateRoute("Forward"));
        await Eventually.UntilAsync(() => workers.Routes.Count == 0, TimeSpan.FromSeconds(20), "The reload that forwards route late again did not stop its workers within 20 seconds.");
        using var forwardedAgain = await gateway.SendAsync(SignedRequest.Create("/webhooks/late/x"));
        Assert.Equal(HttpStatusCode.OK, forwardedAgain.StatusCode);
    }

    private static string LateRoute(string delivery) => $$"""
        {
          "ReverseProxy": {
            "Routes": {
              "late": { "ClusterId": "upstream", "Match": { "Path": "/webhooks/late/{**rest}" }, "Metadata": { "WebhookPolicy": "axitech", "WebhookDelivery": "{{delivery}}" } }
            }
          }
        }
        """;

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
