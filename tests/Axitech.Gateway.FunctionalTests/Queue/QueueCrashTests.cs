using System.Globalization;
using System.Text;
using Axitech.Gateway.Queue;
using Npgsql;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// The gateway as its own process (<see cref="GatewayProcess"/>) with a queued route: killed with SIGKILL mid-attempt
/// and restarted on the same SQLite file, stopped with SIGTERM mid-attempt, and two of them on one PostgreSQL server
/// with one killed mid-drain. Nothing accepted is lost, and no delivery is ever attempted twice at the same time.
/// </summary>
public sealed class QueueCrashTests : IDisposable
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private readonly TemporaryDirectory _directory = new("axgw-queue-crash-");
    private readonly HttpClient _sender = new() { Timeout = TimeSpan.FromSeconds(30) };

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public void Dispose()
    {
        _sender.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task KilledWithDeliveriesPendingAndOneInFlight_RestartedOnTheSameFile_DeliversEveryOne()
    {
        await using var server = await RecordingUpstream.StartAsync();
        var upstream = new UpstreamAttempts(server) { Answer = (_, context) => UpstreamAttempts.Hold(context, Task.Delay(Timeout.Infinite)) };
        void Configure(Dictionary<string, string?> c)
        {
            QueueSettings.Queue(c, DatabasePath);
            c["Webhooks:Queue:MaxConcurrency"] = "1";
            c["Webhooks:Queue:Lease"] = "00:00:03";
        }

        var sent = new Dictionary<Guid, SignedRequest>();

        Guid inFlight;
        await using (var first = await GatewayProcess.StartAsync(Configure, server))
        {
            var held = SignedRequest.Create(Target);
            inFlight = await AcceptedAsync(first.PublicPort, held);
            sent.Add(inFlight, held);
            await Eventually.UntilAsync(() => server.Received.Count == 1, TimeSpan.FromSeconds(10), "The upstream did not get the first delivery within 10 seconds.");
            for (var i = 0; i < 4; i++)
            {
                var delivery = SignedRequest.Create(Target);
                sent.Add(await AcceptedAsync(first.PublicPort, delivery), delivery);
            }

            await first.SignalAsync("KILL");
            Assert.NotNull(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        StoredDelivery killedMidAttempt;
        await using (var store = new SqliteDeliveryStore(new DeliveryQueueOptions { Path = DatabasePath }, TimeProvider.System))
        {
            killedMidAttempt = (await store.GetAsync(inFlight, false, default))!;
        }

        Assert.True(killedMidAttempt.State == DeliveryState.Pending, $"The delivery under way when the process died is {killedMidAttempt.State}, though its upstream never answered.");
        var leasedUntil = killedMidAttempt.LeasedUntil!.Value;

        upstream.Answer = (_, context) => UpstreamAttempts.Status(context, 200);
        await using var second = await GatewayProcess.StartAsync(Configure, server);
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == sent.Count, TimeSpan.FromSeconds(20), () => $"Not every delivery arrived after the restart:{Environment.NewLine}{second.Output}");

        foreach (var (id, delivery) in sent)
        {
            var last = upstream.Of(id)[^1];
            Assert.Equal(delivery.Body, last.Request.Body);
            Assert.Equal(200, last.Status);
            if (id != inFlight)
            {
                Assert.Equal([1], upstream.Of(id).Select(a => a.Attempt));
            }
        }

        // The attempt the kill cut off counted; the next one came only once the dead process's lease had expired.
        var interrupted = upstream.Of(inFlight);
        Assert.Equal([1, 2], interrupted.Select(a => a.Attempt));
        Assert.Equal(0, interrupted[0].Status);
        Assert.True(interrupted[1].StartedAt >= leasedUntil, $"Attempted again at {interrupted[1].StartedAt:O}, before the lease of the killed process ended at {leasedUntil:O}.");
    }

    [Fact]
    public async Task Sigterm_FinishesTheAttemptUnderWay_CutsOffOneThatOutlastsTheDrain_ReleasesItsLease_AndExitsZero()
    {
        await using var server = await RecordingUpstream.StartAsync();
        var release = new TaskCompletionSource();
        var upstream = new UpstreamAttempts(server)
        {
            Answer = (request, context) => UpstreamAttempts.Hold(context, Encoding.UTF8.GetString(request.Body).Contains("\"finishes\"", StringComparison.Ordinal) ? release.Task : Task.Delay(Timeout.Infinite)),
        };
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                QueueSettings.Queue(c, DatabasePath);
                c["Webhooks:Queue:MaxConcurrency"] = "2";
                c["Gateway:DrainTimeout"] = "00:00:03";
            },
            server);
        var finishes = await AcceptedAsync(gateway.PublicPort, SignedRequest.Create(Target, Encoding.UTF8.GetBytes("""{"event_type":"finishes"}""")));
        var outlasts = await AcceptedAsync(gateway.PublicPort, SignedRequest.Create(Target));
        await Eventually.UntilAsync(() => server.Received.Count == 2, TimeSpan.FromSeconds(10), "The upstream did not get both deliveries within 10 seconds.");
        var waiting = new[] { await AcceptedAsync(gateway.PublicPort, SignedRequest.Create(Target)), await AcceptedAsync(gateway.PublicPort, SignedRequest.Create(Target)) };

        await gateway.SignalAsync("TERM");
        await Task.Delay(500);
        release.SetResult();
        var exitCode = await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.True(exitCode == 0, $"Exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none (still running)"}:{Environment.NewLine}{gateway.Output}");
        Assert.Equal(2, upstream.All.Count); // nothing new was taken after SIGTERM
        await using var store = new SqliteDeliveryStore(new DeliveryQueueOptions { Path = DatabasePath }, TimeProvider.System);
        var finished = await store.GetAsync(finishes, false, default);
        var cutOff = await store.GetAsync(outlasts, false, default);
        Assert.Equal(DeliveryState.Delivered, finished!.State);
        Assert.Equal(DeliveryState.Pending, cutOff!.State);
        Assert.Equal(1, cutOff.Attempts);
        Assert.Null(cutOff.LeaseOwner); // released at once, not left to expire in a minute
        foreach (var id in waiting)
        {
            var pending = await store.GetAsync(id, false, default);
            Assert.Equal(DeliveryState.Pending, pending!.State);
            Assert.Equal(0, pending.Attempts);
            Assert.Null(pending.LeaseOwner);
        }
    }

    [Fact]
    public async Task TwoGatewaysOnOnePostgres_OneKilledMidDrain_EveryDeliveryArrives_NeverTwoAttemptsAtOnce()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateSchemaAsync();
        await using var server = await RecordingUpstream.StartAsync();

        // Each gateway names itself in the Host header it sends (its destination's Host); the one to be killed is slow,
        // so that it is killed with attempts under way.
        var upstream = new UpstreamAttempts(server)
        {
            Answer = async (request, context) =>
            {
                await Task.Delay(request.Header("Host") == "killed" ? 1200 : 200, context.RequestAborted);
                return await UpstreamAttempts.Status(context, 200);
            },
        };
        Action<Dictionary<string, string?>> Configure(string host) => c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["ConnectionStrings:Postgres"] = connectionString;
            c["Webhooks:Queue:Lease"] = "00:00:03";
            c["ReverseProxy:Clusters:upstream:Destinations:d1:Host"] = host;
        };

        var gateways = await Task.WhenAll(GatewayProcess.StartAsync(Configure("killed"), server), GatewayProcess.StartAsync(Configure("survivor"), server));
        await using var killed = gateways[0];
        await using var survivor = gateways[1];
        var ids = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => AcceptedAsync(gateways[i % 2].PublicPort, SignedRequest.Create(Target))));
        await Eventually.UntilAsync(
            () => upstream.Acknowledged.Count >= 12 && upstream.Running.Any(r => r.Request.Header("Host") == "killed" && upstream.Now - r.Started < TimeSpan.FromSeconds(0.6)),
            TimeSpan.FromSeconds(10),
            "Twelve deliveries were not acknowledged, with an attempt of the gateway to be killed just begun, within 10 seconds.");
        await killed.SignalAsync("KILL");
        var leftLeased = await LeasesOfAsync(connectionString, killed.Id);
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == ids.Length, TimeSpan.FromSeconds(30), () => $"Not every delivery arrived:{Environment.NewLine}{survivor.Output}");

        Assert.Equal(ids.Order(), upstream.Acknowledged.Order());
        foreach (var id in ids)
        {
            var attempts = upstream.Of(id);
            for (var i = 1; i < attempts.Count; i++)
            {
                Assert.True(attempts[i].Started >= attempts[i - 1].Ended, $"Delivery {id}: attempt {attempts[i].Attempt} began at {attempts[i].Started}, before attempt {attempts[i - 1].Attempt} ended at {attempts[i - 1].Ended}.");
            }
        }

        var cutOff = upstream.All.Where(a => a.Status == 0).ToList();
        Assert.NotEmpty(cutOff);
        foreach (var attempt in cutOff)
        {
            // Cut off by the kill, and taken over by the survivor once the dead gateway's lease had expired.
            Assert.Equal("killed", attempt.Request.Header("Host"));
            Assert.True(leftLeased.TryGetValue(attempt.DeliveryId, out var leasedUntil), $"Delivery {attempt.DeliveryId} was cut off mid-attempt, but the killed gateway held no lease on it.");
            var next = upstream.Of(attempt.DeliveryId).Single(a => a.Attempt == attempt.Attempt + 1);
            Assert.Equal("survivor", next.Request.Header("Host"));
            Assert.True(next.StartedAt >= leasedUntil, $"Taken over at {next.StartedAt:O}, before the dead gateway's lease ended at {leasedUntil:O}.");
        }
    }

    /// <summary>The deliveries a gateway process holds leased, read straight from the database, with the end of each lease.</summary>
    private static async Task<Dictionary<Guid, DateTimeOffset>> LeasesOfAsync(string connectionString, int processId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, leased_until FROM deliveries WHERE state = 'pending' AND lease_owner LIKE @owner", connection);
        command.Parameters.AddWithValue("owner", $"%/{processId.ToString(CultureInfo.InvariantCulture)}/%");
        var leases = new Dictionary<Guid, DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            leases.Add(reader.GetGuid(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
        }

        return leases;
    }

    private async Task<Guid> AcceptedAsync(int port, SignedRequest delivery)
    {
        using var request = delivery.ToHttpRequest(port);
        using var response = await _sender.SendAsync(request);
        return QueueSettings.AcceptedId(response);
    }
}
