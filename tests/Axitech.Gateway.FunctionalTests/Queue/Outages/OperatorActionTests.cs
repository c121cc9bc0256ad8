using System.Diagnostics;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary>
/// Pause, resume and replay reaching running gateways, on each engine (<see cref="SqliteOperatorActionTests"/>,
/// <see cref="PostgresOperatorActionTests"/>): the operator's store is a second instance on the same database, as the
/// <c>deliveries</c> command opens it; the gateways look at their store by the clock only every 30 seconds, so what
/// arrives within 2 seconds came by the change watch (PostgreSQL NOTIFY, SQLite data_version).
/// </summary>
public abstract class OperatorActionTests : IAsyncLifetime
{
    private const string Route = "claims";
    private static readonly TimeSpan _atOnce = TimeSpan.FromSeconds(2);

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    /// <summary>Points the queue at this test's store.</summary>
    protected abstract void UseStore(Dictionary<string, string?> configuration);

    /// <summary>The store as the <c>deliveries</c> command opens it.</summary>
    private protected abstract SqlDeliveryStore OpenOperatorStore();

    [Fact]
    public async Task APause_HoldsEveryDelivery_SurvivesARestart_AndResumeDeliversWithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var attempts = new UpstreamAttempts(upstream);
        await using var operatorStore = OpenOperatorStore();
        var held = new List<Guid>();
        await using (var first = await StartAsync(upstream))
        {
            await operatorStore.SetPausedAsync(Route, paused: true, default);
            await WaitForStateAsync(first, RouteState.Paused);
            held.Add(await AcceptedWhileHeldAsync(first));
        }

        await using var second = await StartAsync(upstream);
        await WaitForStateAsync(second, RouteState.Paused);
        held.Add(await AcceptedWhileHeldAsync(second));
        Assert.Empty(attempts.All);

        var clock = Stopwatch.StartNew();
        await operatorStore.SetPausedAsync(Route, paused: false, default);
        await Eventually.UntilAsync(() => attempts.Acknowledged.Count == held.Count, TimeSpan.FromSeconds(10), () => $"{attempts.Acknowledged.Count} of {held.Count} held deliveries acknowledged within 10 seconds of the resume.");

        Assert.True(clock.Elapsed < _atOnce, $"Resumed deliveries arrived {clock.Elapsed} after the resume.");
        Assert.Equal(held.Order(), attempts.Acknowledged.Order());
        Assert.All(attempts.All, a => Assert.Equal(1, a.Attempt));
    }

    [Fact]
    public async Task Replay_OfOneDelivery_AndOfWhatAnIncidentDeadLettered_IsDeliveredWithinTwoSeconds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var rejecting = true;
        var attempts = new UpstreamAttempts(upstream)
        {
            Answer = (request, context) => UpstreamAttempts.Status(context, Volatile.Read(ref rejecting) ? request.Body.AsSpan().IndexOf("\"gone\""u8) >= 0 ? 410 : 400 : 200),
        };
        await using var operatorStore = OpenOperatorStore();
        await using var gateway = await StartAsync(upstream);
        var store = gateway.Store();

        var single = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));
        await QueueSettings.WaitForStateAsync(store, single, DeliveryState.Dead);
        var since = TimeProvider.System.GetUtcNow();
        var incident = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            incident.Add(await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")));
        }

        var otherReason = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events", """{"event_type":"gone"}"""u8.ToArray()));
        foreach (var id in incident.Append(otherReason))
        {
            await QueueSettings.WaitForStateAsync(store, id, DeliveryState.Dead);
        }

        Volatile.Write(ref rejecting, false);
        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await operatorStore.ReplayAsync([single], default));
        await QueueSettings.WaitForStateAsync(store, single, DeliveryState.Delivered);
        Assert.True(clock.Elapsed < _atOnce, $"The replayed delivery arrived {clock.Elapsed} after the replay.");

        clock.Restart();
        Assert.Equal(3, await operatorStore.ReplayDeadAsync(new DeadReplayFilter { Since = since, Error = "status_400" }, default));
        await Eventually.UntilAsync(() => incident.All(attempts.Acknowledged.Contains), TimeSpan.FromSeconds(10), "The incident's deliveries were not acknowledged within 10 seconds of the replay.");
        Assert.True(clock.Elapsed < _atOnce, $"The incident's deliveries arrived {clock.Elapsed} after the replay.");
        Assert.Equal(DeliveryState.Dead, (await store.GetAsync(otherReason, false, default))!.State);
    }

    private async Task<TestGateway> StartAsync(RecordingUpstream upstream)
        => await TestGateway.StartAsync(
            c =>
            {
                QueueSettings.Queue(c, databasePath: "unused.db");
                UseStore(c);
                c["Webhooks:Queue:PollInterval"] = "00:00:30";
            },
            upstream);

    private static Task WaitForStateAsync(TestGateway gateway, RouteState state)
    {
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();
        return Eventually.UntilAsync(() => workers.RouteStatus(Route)?.State == state, TimeSpan.FromSeconds(10), () => $"The route is {workers.RouteStatus(Route)?.State}, not {state}, after 10 seconds.");
    }

    /// <summary>Accepts a delivery and waits until the workers have made a whole round since (and, paused, left it alone).</summary>
    private static async Task<Guid> AcceptedWhileHeldAsync(TestGateway gateway)
    {
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();
        var signals = gateway.Services.GetRequiredService<DeliverySignals>();
        var id = await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"));

        // Twice: a round under way when the first wake-up came may have begun before the acceptance.
        for (var i = 0; i < 2; i++)
        {
            var rounds = workers.RouteStatus(Route)!.Value.Rounds;
            signals.Notify(Route);
            await Eventually.UntilAsync(() => workers.RouteStatus(Route)!.Value.Rounds > rounds, TimeSpan.FromSeconds(10), "The workers did not look at the store after the acceptance.");
        }

        var stored = (await gateway.Store().GetAsync(id, false, default))!;
        Assert.Equal((DeliveryState.Pending, 0), (stored.State, stored.Attempts));
        return id;
    }
}
