using Axitech.Gateway.Queue;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>The store's part in outages and operators' actions, on each engine: probes, expiry, pauses, filtered replay, and telling running gateways.</summary>
public abstract partial class DeliveryStoreTests
{
    [Fact]
    public async Task AFailedProbe_IsNotCounted_AndItsDeliveryIsDueAtTheNextProbe()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        var first = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Assert.True(await store.ScheduleRetryAsync(first, Time.GetUtcNow(), 503, "status_503", null, default));
        var probe = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Assert.Equal(2, probe.Attempt);

        var nextProbe = Time.GetUtcNow().AddSeconds(8);
        Assert.True(await store.ReleaseProbeAsync(probe, nextProbe, null, DeliveryErrors.ConnectionRefused, null, default));

        var stored = (await store.GetAsync(id, false, default))!;
        Assert.Equal(DeliveryState.Pending, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(nextProbe, stored.NextAttemptAt);
        Assert.Equal(DeliveryErrors.ConnectionRefused, stored.LastError);
        Assert.Null(stored.LeaseOwner);
        Assert.Empty(await store.LeaseDueAsync(Route, 1, Owner, Lease, default));
        Assert.False(await store.ReleaseProbeAsync(probe, nextProbe, null, DeliveryErrors.ConnectionRefused, null, default));
    }

    [Fact]
    public async Task Expire_DeadLettersThePendingOlderThanTheCutoff_NotTheLeasedNorTheYoungerNorOtherRoutes()
    {
        var store = await CreateStoreAsync();
        var old = await AcceptedAsync(store, Delivery(NewKey()));
        var oldLeased = await AcceptedAsync(store, Delivery(NewKey()));
        var otherRoute = await AcceptedAsync(store, Delivery(NewKey(), route: "audit"));
        Time.Advance(TimeSpan.FromHours(2));
        var young = await AcceptedAsync(store, Delivery(NewKey()));
        var leased = await store.LeaseDueAsync(Route, 2, Owner, Lease, default);
        Assert.Contains(leased, l => l.Lease.Id == oldLeased || l.Lease.Id == old);
        var leasedId = leased.Select(l => l.Lease.Id).First(i => i == old || i == oldLeased);
        var unleasedOld = leasedId == old ? oldLeased : old;
        foreach (var lease in leased.Where(l => l.Lease.Id != leasedId))
        {
            await store.ScheduleRetryAsync(lease.Lease, Time.GetUtcNow(), 503, "status_503", null, default);
        }

        Assert.Equal(1, await store.ExpireAsync(Route, Time.GetUtcNow().AddHours(-1), default));

        var expired = (await store.GetAsync(unleasedOld, false, default))!;
        Assert.Equal(DeliveryState.Dead, expired.State);
        Assert.Equal(DeliveryErrors.MaxAge, expired.LastError);
        Assert.Equal(DeliveryState.Pending, (await store.GetAsync(leasedId, false, default))!.State);
        Assert.Equal(DeliveryState.Pending, (await store.GetAsync(young, false, default))!.State);
        Assert.Equal(DeliveryState.Pending, (await store.GetAsync(otherRoute, false, default))!.State);
    }

    [Fact]
    public async Task APause_IsKeptForEveryInstance_UntilResumed()
    {
        var command = await CreateStoreAsync();
        var replica = await CreateStoreAsync();

        Assert.True(await command.SetPausedAsync(Route, paused: true, default));
        Assert.False(await command.SetPausedAsync(Route, paused: true, default));

        var pause = Assert.Single(await replica.GetPausedAsync(default));
        Assert.Equal(Route, pause.RouteId);
        Assert.Equal(Time.GetUtcNow(), pause.PausedAt);
        Assert.True(await replica.SetPausedAsync(Route, paused: false, default));
        Assert.False(await command.SetPausedAsync(Route, paused: false, default));
        Assert.Empty(await command.GetPausedAsync(default));
    }

    [Fact]
    public async Task ReplayDead_BySinceUntilAndError_ReplaysWhatOneIncidentDeadLettered()
    {
        var store = await CreateStoreAsync();
        async Task<Guid> DeadAsync(string reason, string route = Route)
        {
            var id = await AcceptedAsync(store, Delivery(NewKey(), route: route));
            var lease = Assert.Single(await store.LeaseDueAsync(route, 1, Owner, Lease, default)).Lease;
            Assert.True(await store.DeadLetterAsync(lease, null, reason, null, default));
            return id;
        }

        var before = await DeadAsync("status_400");
        Time.Advance(TimeSpan.FromHours(1));
        var since = Time.GetUtcNow();
        var incident = await DeadAsync("status_400");
        var otherReason = await DeadAsync(DeliveryErrors.MaxAge);
        var otherRoute = await DeadAsync("status_400", route: "audit");
        Time.Advance(TimeSpan.FromHours(1));
        var until = Time.GetUtcNow();
        var after = await DeadAsync("status_400");

        Assert.Equal(1, await store.ReplayDeadAsync(new DeadReplayFilter { RouteId = Route, Since = since, Until = until, Error = "status_400" }, default));

        Assert.Equal(DeliveryState.Pending, (await store.GetAsync(incident, false, default))!.State);
        foreach (var untouched in new[] { before, otherReason, otherRoute, after })
        {
            Assert.Equal(DeliveryState.Dead, (await store.GetAsync(untouched, false, default))!.State);
        }

        Assert.Equal(2, await store.ReplayDeadAsync(new DeadReplayFilter { Since = since, Until = until }, default));
        Assert.Equal(2, await store.ReplayDeadAsync(new DeadReplayFilter { Error = "status_400" }, default));
    }

    [Fact]
    public async Task BackoffReports_AreKeptPerReplica_AndClearedByThem()
    {
        var store = await CreateStoreAsync();
        var since = Time.GetUtcNow();
        await store.ReportBackoffAsync(Route, Owner, since, default);
        Time.Advance(TimeSpan.FromSeconds(30));
        await store.ReportBackoffAsync(Route, Owner, since, default);
        await store.ReportBackoffAsync(Route, OtherOwner, since.AddSeconds(10), default);

        var reports = await store.GetBackoffReportsAsync(default);
        Assert.Equal([(Owner, since, Time.GetUtcNow()), (OtherOwner, since.AddSeconds(10), Time.GetUtcNow())], reports.Select(r => (r.Owner, r.Since, r.SeenAt)).OrderBy(r => r.Since));

        await store.ReportBackoffAsync(Route, Owner, null, default);
        await store.ClearBackoffReportsAsync(OtherOwner, default);
        Assert.Empty(await store.GetBackoffReportsAsync(default));
    }

    [Fact]
    public async Task AnotherInstancesPauseAndReplay_AreSeenByAWatcher_WithinTwoSeconds()
    {
        var gateway = await CreateStoreAsync();
        var command = await CreateStoreAsync();
        await AcceptedAsync(command, Delivery(NewKey()));
        await command.DeadLetterAsync(Assert.Single(await command.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease, 400, "status_400", null, default);
        var changes = 0;
        using var watching = new CancellationTokenSource();
        var watch = gateway.WatchChangesAsync(() => Interlocked.Increment(ref changes), watching.Token);
        try
        {
            await Eventually.UntilAsync(() => Volatile.Read(ref changes) > 0, TimeSpan.FromSeconds(10), "The watcher did not start within 10 seconds.");
            var seen = Volatile.Read(ref changes);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await command.SetPausedAsync(Route, paused: true, default);
            await Eventually.UntilAsync(() => Volatile.Read(ref changes) > seen, TimeSpan.FromSeconds(10), "The watcher did not see the pause within 10 seconds.");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"The pause was seen after {clock.Elapsed}.");

            seen = Volatile.Read(ref changes);
            clock.Restart();
            Assert.Equal(1, await command.ReplayDeadAsync(new DeadReplayFilter(), default));
            await Eventually.UntilAsync(() => Volatile.Read(ref changes) > seen, TimeSpan.FromSeconds(10), "The watcher did not see the replay within 10 seconds.");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"The replay was seen after {clock.Elapsed}.");
        }
        finally
        {
            await watching.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);
        }
    }
}
