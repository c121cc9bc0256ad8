using System.Security.Cryptography;
using System.Text;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// What every delivery store must do, run against each real engine (<see cref="SqliteDeliveryStoreTests"/> on a file
/// on disk, <see cref="PostgresDeliveryStoreTests"/> on a real server). Time is a <see cref="FakeTimeProvider"/>.
/// </summary>
public abstract partial class DeliveryStoreTests : IAsyncLifetime
{
    protected const string Route = "claims";
    protected const string Owner = "replica-a";
    protected const string OtherOwner = "replica-b";
    protected const string Target = "/hooks/a%2Fb?x=%C3%A9&y=+&z=";
    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private readonly List<SqlDeliveryStore> _stores = [];

    /// <summary>Where a test reports what it measured (the group commit's batches).</summary>
    protected ITestOutputHelper? Output { get; init; }

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Every byte value, twice, so that an encoding or a text column would show.</summary>
    protected static byte[] AllBytes { get; } = [.. Enumerable.Range(0, 512).Select(i => (byte)i)];

    public abstract ValueTask InitializeAsync();

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A new store instance on this test's database (another one is another replica, or a restart).</summary>
    private protected abstract SqlDeliveryStore NewStore(DeliveryQueueOptions options);

    /// <summary>Runs a statement on this test's database, around the store (to tamper with rows).</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    /// <summary>Whether <paramref name="marker"/> appears anywhere in what the engine keeps on disk (after a checkpoint).</summary>
    protected abstract Task<bool> StorageContainsAsync(byte[] marker);

    private protected async Task<SqlDeliveryStore> CreateStoreAsync(DeliveryQueueOptions? options = null)
    {
        var store = NewStore(options ?? new DeliveryQueueOptions());
        _stores.Add(store);
        await store.InitializeAsync(default);
        return store;
    }

    private protected NewDelivery Delivery(string? dedupKey = null, string route = Route, byte[]? body = null, string target = Target)
        => new()
        {
            RouteId = route,
            DedupKey = dedupKey,
            Method = "POST",
            RawTarget = target,
            Signature = "v1=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            Timestamp = Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContentType = "application/json",
            Body = body ?? Encoding.UTF8.GetBytes($$"""{"event_type":"session.submitted","id":"{{Guid.NewGuid()}}"}"""),
            DedupExpiresAt = Time.GetUtcNow().AddMinutes(10),
        };

    protected static string NewKey() => "axitech:" + Guid.NewGuid().ToString("N");

    protected static string NewEncryptionKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private protected static async Task<Guid> AcceptedAsync(IDeliveryStore store, NewDelivery delivery)
    {
        var result = await store.AcceptAsync(delivery, default);
        Assert.Equal(AcceptOutcome.Accepted, result.Outcome);
        return result.Id;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Accept_ThenLease_ReturnsTheExactBytesTargetAndHeaders(bool encrypted)
    {
        var store = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = encrypted ? [NewEncryptionKey()] : [] });
        var delivery = Delivery(NewKey(), body: AllBytes) with { ContentType = "application/octet-stream; charset=x" };

        var id = await AcceptedAsync(store, delivery);
        var leased = Assert.Single(await store.LeaseDueAsync(Route, 10, Owner, Lease, default));

        Assert.Equal(7, id.Version);
        var stored = leased.Delivery;
        Assert.Equal(id, stored.Id);
        Assert.Equal(AllBytes, stored.Body!.Value.ToArray());
        Assert.Null(stored.BodyError);
        Assert.Equal(encrypted, stored.BodyEncrypted);
        Assert.Equal(Target, stored.RawTarget);
        Assert.Equal(delivery.Signature, stored.Signature);
        Assert.Equal(delivery.Timestamp, stored.Timestamp);
        Assert.Equal("application/octet-stream; charset=x", stored.ContentType);
        Assert.Equal("POST", stored.Method);
        Assert.Equal(Route, stored.RouteId);
        Assert.Equal(delivery.DedupKey, stored.DedupKey);
        Assert.Equal(Time.GetUtcNow(), stored.ReceivedAt);
        Assert.Equal(delivery.DedupExpiresAt, stored.DedupExpiresAt);
        Assert.Equal(DeliveryState.Pending, stored.State);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(Owner, stored.LeaseOwner);
        Assert.Equal(Time.GetUtcNow() + Lease, stored.LeasedUntil);
        Assert.Equal(new DeliveryLease(id, Owner, 1), leased.Lease);
    }

    [Fact]
    public async Task DuplicateKey_AnswersTheOriginalId_AndStoresNothingNew()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();
        var original = await AcceptedAsync(store, Delivery(key, body: "first"u8.ToArray()));

        var repeat = await store.AcceptAsync(Delivery(key, body: "second"u8.ToArray()), default);

        Assert.Equal(AcceptResult.Duplicate(original), repeat);
        var all = await store.ListAsync(new DeliveryQuery(), default);
        Assert.Equal(original, Assert.Single(all).Id);
        var leased = Assert.Single(await store.LeaseDueAsync(Route, 10, Owner, Lease, default));
        Assert.Equal("first"u8.ToArray(), leased.Delivery.Body!.Value.ToArray());
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("dead")]
    [InlineData("delivered")]
    public async Task DuplicateKey_AfterItsWindow_IsANewDelivery_WhateverBecameOfTheFirst(string became)
    {
        var first = Enum.Parse<DeliveryState>(became, ignoreCase: true);
        // Issue 22: a dead or pending delivery kept its content key for DeadRetention or MaxAge, and a later delivery
        // with the same key was answered as its duplicate (200) and dropped.
        var store = await CreateStoreAsync();
        var key = NewKey();
        var original = await AcceptedAsync(store, Delivery(key, body: "first"u8.ToArray()));
        if (first != DeliveryState.Pending)
        {
            var lease = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
            Assert.True(first == DeliveryState.Dead
                ? await store.DeadLetterAsync(lease, 400, DeliveryErrors.Status(400), null, default)
                : await store.MarkDeliveredAsync(lease, 200, null, default));
        }

        // Within the window (Delivery() sets it to 10 minutes): a duplicate.
        Time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(AcceptResult.Duplicate(original), await store.AcceptAsync(Delivery(key, body: "within"u8.ToArray()), default));

        // After it: a new delivery, stored and due, and its own key's holder from then on.
        Time.Advance(TimeSpan.FromMinutes(2));
        var later = await AcceptedAsync(store, Delivery(key, body: "later"u8.ToArray()));
        Assert.NotEqual(original, later);
        Assert.Equal(AcceptResult.Duplicate(later), await store.AcceptAsync(Delivery(key, body: "again"u8.ToArray()), default));
        Assert.Equal(first, (await store.GetAsync(original, includeBody: false, default))!.State);
        var due = await store.LeaseDueAsync(Route, 10, OtherOwner, Lease, default);
        Assert.Contains(due, d => d.Delivery.Id == later && d.Delivery.Body!.Value.ToArray().SequenceEqual("later"u8.ToArray()));
    }

    [Fact]
    public async Task SameKeyConcurrently_OneIsAccepted_AndEveryOtherIsItsDuplicate()
    {
        var store = await CreateStoreAsync();
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => store.AcceptAsync(Delivery(key), default))));

        var accepted = Assert.Single(results, r => r.Outcome == AcceptOutcome.Accepted);
        Assert.All(results.Where(r => r != accepted), r => Assert.Equal(AcceptResult.Duplicate(accepted.Id), r));
        Assert.Single(await store.ListAsync(new DeliveryQuery(), default));
    }

    [Fact]
    public async Task WithoutADedupKey_EveryDeliveryIsStored()
    {
        var store = await CreateStoreAsync();
        var delivery = Delivery(dedupKey: null);

        var first = await AcceptedAsync(store, delivery);
        var second = await AcceptedAsync(store, delivery);

        Assert.NotEqual(first, second);
        Assert.Equal(2, (await store.ListAsync(new DeliveryQuery(), default)).Count);
    }

    [Fact]
    public async Task ConcurrentAcceptances_AreCommittedInFarFewerTransactions()
    {
        const int Count = 200;
        var store = await CreateStoreAsync();
        var batchesBefore = store.CommittedBatches;
        var acceptancesBefore = store.CommittedAcceptances;

        var results = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => store.AcceptAsync(Delivery(i % 2 == 0 ? NewKey() : null), default)));

        var batches = store.CommittedBatches - batchesBefore;
        Output?.WriteLine($"{GetType().Name}: {Count} concurrent acceptances were committed in {batches} transactions.");
        Assert.All(results, r => Assert.Equal(AcceptOutcome.Accepted, r.Outcome));
        Assert.Equal(Count, results.Select(r => r.Id).Distinct().Count());
        Assert.Equal(Count, store.CommittedAcceptances - acceptancesBefore);
        Assert.True(batches < Count / 4, $"{Count} acceptances took {batches} transactions.");
        Assert.Equal(Count, (await store.ListAsync(new DeliveryQuery { Limit = 1000 }, default)).Count);
    }

    [Fact]
    public async Task ConcurrentSettlements_AreCommittedInFewerTransactions_EachOnlyWithItsLease()
    {
        const int Count = 64;
        var store = await CreateStoreAsync();
        for (var i = 0; i < Count; i++)
        {
            await AcceptedAsync(store, Delivery(NewKey()));
        }

        var leased = await store.LeaseDueAsync(Route, Count, Owner, Lease, default);
        var batchesBefore = store.CommittedSettlementBatches;

        // Every other one settles with a lease that is not (or no longer) the caller's: refused, whatever its batch.
        var settled = await Task.WhenAll(leased.Select((d, i) => Task.Run(() => store.MarkDeliveredAsync(
            i % 2 == 0 ? d.Lease : d.Lease with { Owner = OtherOwner }, 200, null, default))));

        var batches = store.CommittedSettlementBatches - batchesBefore;
        Output?.WriteLine($"{GetType().Name}: {Count} concurrent settlements were committed in {batches} transactions.");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i % 2 == 0), settled);
        Assert.True(batches < Count / 2, $"{Count} settlements took {batches} transactions.");
        var delivered = await store.ListAsync(new DeliveryQuery { State = DeliveryState.Delivered, Limit = 1000 }, default);
        Assert.Equal(leased.Where((_, i) => i % 2 == 0).Select(d => d.Lease.Id).Order(), delivered.Select(d => d.Id).Order());
    }

    [Fact]
    public async Task SustainedConcurrentSenders_ShareTransactions()
    {
        // 20 senders, each sending its next delivery once the previous one is answered: a steady load rather than a
        // burst, so each transaction holds what arrived while the previous one was being flushed.
        const int Senders = 20;
        const int PerSender = 10;
        var store = await CreateStoreAsync();
        var batchesBefore = store.CommittedBatches;

        var results = await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            var mine = new List<AcceptResult>();
            for (var i = 0; i < PerSender; i++)
            {
                mine.Add(await store.AcceptAsync(Delivery(NewKey()), default));
            }

            return mine;
        })));

        var batches = store.CommittedBatches - batchesBefore;
        Output?.WriteLine($"{GetType().Name}: {Senders} senders x {PerSender} sequential acceptances were committed in {batches} transactions.");
        Assert.All(results.SelectMany(r => r), r => Assert.Equal(AcceptOutcome.Accepted, r.Outcome));
        Assert.True(batches < Senders * PerSender / 4, $"{Senders * PerSender} acceptances took {batches} transactions.");
    }

    [Fact]
    public async Task Lease_TakesTheOldestDueFirst_UpToMax_AndOnlyOfItsRoute()
    {
        var store = await CreateStoreAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await AcceptedAsync(store, Delivery(NewKey())));
            await AcceptedAsync(store, Delivery(NewKey(), route: "audit"));
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await store.LeaseDueAsync(Route, 2, Owner, Lease, default);
        var rest = await store.LeaseDueAsync(Route, 10, Owner, Lease, default);
        var none = await store.LeaseDueAsync(Route, 10, OtherOwner, Lease, default);

        Assert.Equal(ids[..2], first.Select(d => d.Delivery.Id));
        Assert.Equal(ids[2..], rest.Select(d => d.Delivery.Id));
        Assert.Empty(none);
        Assert.All(first.Concat(rest), d => Assert.Equal(Route, d.Delivery.RouteId));
    }

    [Fact]
    public async Task LiveLease_IsNotLeasable_ButAnExpiredOne_IsLeasableByAnotherOwner()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default));

        Time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        var whileLive = await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default);
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var afterExpiry = await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default);

        Assert.Empty(whileLive);
        var taken = Assert.Single(afterExpiry);
        Assert.Equal(new DeliveryLease(id, OtherOwner, 2), taken.Lease);
    }

    [Fact]
    public async Task Settle_IsRefusedToAStaleLease_AndAcceptedFromTheCurrentOne()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        var stale = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Time.Advance(Lease);
        var current = Assert.Single(await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default)).Lease;

        Assert.False(await store.MarkDeliveredAsync(stale, 200, null, default));
        Assert.False(await store.ScheduleRetryAsync(stale, Time.GetUtcNow(), 503, "status_503", null, default));
        Assert.False(await store.DeadLetterAsync(stale, null, DeliveryErrors.MaxAttempts, null, default));
        var untouched = (await store.GetAsync(id, includeBody: false, default))!;
        Assert.Equal(DeliveryState.Pending, untouched.State);
        Assert.Equal(OtherOwner, untouched.LeaseOwner);

        Assert.True(await store.MarkDeliveredAsync(current, 204, null, default));
        var delivered = (await store.GetAsync(id, includeBody: false, default))!;
        Assert.Equal(DeliveryState.Delivered, delivered.State);
        Assert.Equal(204, delivered.LastStatusCode);
        Assert.Equal(Time.GetUtcNow(), delivered.DeliveredAt);
        Assert.Null(delivered.LeaseOwner);
        Assert.False(await store.MarkDeliveredAsync(current, 204, null, default));
    }

    [Fact]
    public async Task Settle_IsRefusedToAnEarlierAttemptOfTheSameOwner()
    {
        var store = await CreateStoreAsync();
        await AcceptedAsync(store, Delivery(NewKey()));
        var first = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Time.Advance(Lease);
        var second = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;

        Assert.False(await store.MarkDeliveredAsync(first, 200, null, default));
        Assert.True(await store.MarkDeliveredAsync(second, 200, null, default));
    }

    [Fact]
    public async Task ScheduleRetry_MakesItDueAtTheGivenTime_WithItsStatusAndError()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        var lease = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        var next = Time.GetUtcNow().AddSeconds(30);

        Assert.True(await store.ScheduleRetryAsync(lease, next, 503, DeliveryErrors.Status(503), null, default));

        Assert.Empty(await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default));
        Assert.Equal(next, await store.GetNextDueAsync(Route, default));
        Time.Advance(TimeSpan.FromSeconds(30));
        var retried = Assert.Single(await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default)).Delivery;
        Assert.Equal(id, retried.Id);
        Assert.Equal(2, retried.Attempts);
        Assert.Equal(503, retried.LastStatusCode);
        Assert.Equal("status_503", retried.LastError);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ScheduleRetryAsync(lease, next, null, "Connection refused (127.0.0.1:80)", null, default));
    }

    [Fact]
    public async Task DeadLetter_TakesItOutOfDelivery_WithItsReason()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        var lease = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;

        Assert.True(await store.DeadLetterAsync(lease, 410, DeliveryErrors.Status(410), null, default));

        Time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await store.LeaseDueAsync(Route, 1, Owner, Lease, default));
        Assert.Null(await store.GetNextDueAsync(Route, default));
        var dead = (await store.GetAsync(id, includeBody: false, default))!;
        Assert.Equal(DeliveryState.Dead, dead.State);
        Assert.Equal("status_410", dead.LastError);
        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromDays(1), dead.DeadAt);
        Assert.Equal(new RouteQueueStats(Route, 0, 1, null), Assert.Single(await store.GetStatsAsync(default)));
    }

    [Fact]
    public async Task ReleaseLeases_MakesAnOwnersDeliveriesLeasableAtOnce()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 3; i++)
        {
            await AcceptedAsync(store, Delivery(NewKey()));
        }

        Assert.Equal(2, (await store.LeaseDueAsync(Route, 2, Owner, Lease, default)).Count);
        var other = Assert.Single(await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default)).Delivery.Id;

        Assert.Equal(2, await store.ReleaseLeasesAsync(Owner, default));

        var retaken = await store.LeaseDueAsync(Route, 10, "replica-c", Lease, default);
        Assert.Equal(2, retaken.Count);
        Assert.DoesNotContain(other, retaken.Select(d => d.Delivery.Id));
    }

    [Fact]
    public async Task NextDue_IsTheEarliestPendingTime_OrALeasesExpiry_OrNone()
    {
        var store = await CreateStoreAsync();
        Assert.Null(await store.GetNextDueAsync(Route, default));
        var start = Time.GetUtcNow();
        await AcceptedAsync(store, Delivery(NewKey()));
        Assert.Equal(start, await store.GetNextDueAsync(Route, default));

        var lease = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Assert.Equal(start + Lease, await store.GetNextDueAsync(Route, default));

        await store.ScheduleRetryAsync(lease, start.AddMinutes(5), null, DeliveryErrors.Timeout, null, default);
        Assert.Equal(start.AddMinutes(5), await store.GetNextDueAsync(Route, default));
        Assert.Null(await store.GetNextDueAsync("audit", default));
    }

    [Fact]
    public async Task Stats_CountPendingAndDeadPerRoute_WithTheOldestPendingArrival()
    {
        var store = await CreateStoreAsync();
        var oldest = Time.GetUtcNow();
        await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromSeconds(5));
        await AcceptedAsync(store, Delivery(NewKey()));
        await AcceptedAsync(store, Delivery(NewKey(), route: "audit"));
        var auditLease = Assert.Single(await store.LeaseDueAsync("audit", 1, Owner, Lease, default)).Lease;
        await store.DeadLetterAsync(auditLease, null, DeliveryErrors.MaxAttempts, null, default);

        var stats = await store.GetStatsAsync(default);

        Assert.Equal([new RouteQueueStats("audit", 0, 1, null), new RouteQueueStats(Route, 2, 0, oldest)], stats);
    }

    [Fact]
    public async Task Purge_DeletesDeliveredRowsPastTheirDedupTime_AndDeadRowsPastRetention_Only()
    {
        var retention = TimeSpan.FromDays(14);
        var store = await CreateStoreAsync(new DeliveryQueueOptions { DeadRetention = retention });
        var soonKey = NewKey();
        var soon = await AcceptedAsync(store, Delivery(soonKey) with { DedupExpiresAt = Time.GetUtcNow().AddMinutes(10) });
        var later = await AcceptedAsync(store, Delivery(NewKey()) with { DedupExpiresAt = Time.GetUtcNow().AddHours(1) });
        var dead = await AcceptedAsync(store, Delivery(NewKey()));
        var pending = await AcceptedAsync(store, Delivery(NewKey(), route: "audit") with { DedupExpiresAt = Time.GetUtcNow().AddMinutes(-1) });
        foreach (var leased in await store.LeaseDueAsync(Route, 10, Owner, Lease, default))
        {
            Assert.True(leased.Delivery.Id == dead
                ? await store.DeadLetterAsync(leased.Lease, 500, "status_500", null, default)
                : await store.MarkDeliveredAsync(leased.Lease, 200, null, default));
        }

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(new PurgeResult(1, 0), await store.PurgeAsync(default));
        Assert.Null(await store.GetAsync(soon, false, default));
        Assert.NotNull(await store.GetAsync(later, false, default));

        // Its dedup memory is gone with it: the same key is a new delivery now.
        Assert.Equal(AcceptOutcome.Accepted, (await store.AcceptAsync(Delivery(soonKey), default)).Outcome);

        Time.Advance(retention - TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(new PurgeResult(1, 0), await store.PurgeAsync(default));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new PurgeResult(0, 1), await store.PurgeAsync(default));

        Assert.Null(await store.GetAsync(later, false, default));
        Assert.Null(await store.GetAsync(dead, false, default));
        Assert.Equal(DeliveryState.Pending, (await store.GetAsync(pending, false, default))!.State);
    }

    [Fact]
    public async Task Replay_MakesDeadAndDeliveredOnesPendingAgain_WithAttemptsReset()
    {
        var store = await CreateStoreAsync();
        var dead = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var delivered = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var leasedNow = await AcceptedAsync(store, Delivery(NewKey()));
        foreach (var leased in await store.LeaseDueAsync(Route, 2, Owner, Lease, default))
        {
            _ = leased.Delivery.Id == dead
                ? await store.DeadLetterAsync(leased.Lease, null, DeliveryErrors.MaxAttempts, null, default)
                : await store.MarkDeliveredAsync(leased.Lease, 200, null, default);
        }

        Assert.Single(await store.LeaseDueAsync(Route, 1, OtherOwner, Lease, default));
        Time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1));

        Assert.Equal(2, await store.ReplayAsync([dead, delivered, leasedNow, Guid.CreateVersion7()], default));

        foreach (var id in new[] { dead, delivered })
        {
            var replayed = (await store.GetAsync(id, false, default))!;
            Assert.Equal(DeliveryState.Pending, replayed.State);
            Assert.Equal(0, replayed.Attempts);
            Assert.Equal(Time.GetUtcNow(), replayed.NextAttemptAt);
            Assert.Null(replayed.DeadAt);
            Assert.Null(replayed.DeliveredAt);
        }

        Assert.Equal(OtherOwner, (await store.GetAsync(leasedNow, false, default))!.LeaseOwner);
        var again = await store.LeaseDueAsync(Route, 10, "replica-c", Lease, default);
        Assert.Equal(new[] { dead, delivered }.Order(), again.Select(d => d.Delivery.Id).Order());
        Assert.All(again, d => Assert.Equal(1, d.Delivery.Attempts));
    }

    [Fact]
    public async Task ReplayDead_OfARoute_ReplaysOnlyThatRoutesDeadOnes()
    {
        var store = await CreateStoreAsync();
        foreach (var route in new[] { Route, "audit" })
        {
            await AcceptedAsync(store, Delivery(NewKey(), route: route));
            var lease = Assert.Single(await store.LeaseDueAsync(route, 1, Owner, Lease, default)).Lease;
            await store.DeadLetterAsync(lease, null, DeliveryErrors.MaxAge, null, default);
        }

        Assert.Equal(1, await store.ReplayDeadAsync(new DeadReplayFilter { RouteId = "audit" }, default));
        Assert.Equal([new RouteQueueStats("audit", 1, 0, Time.GetUtcNow()), new RouteQueueStats(Route, 0, 1, null)], await store.GetStatsAsync(default));
        Assert.Equal(1, await store.ReplayDeadAsync(new DeadReplayFilter(), default));
        Assert.Equal(0, await store.ReplayDeadAsync(new DeadReplayFilter(), default));
    }

    [Fact]
    public async Task PurgeDead_OlderThan_DeletesOnlyThoseDeadLongEnough()
    {
        var store = await CreateStoreAsync();
        var old = await AcceptedAsync(store, Delivery(NewKey()));
        await store.DeadLetterAsync(Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease, null, DeliveryErrors.MaxAttempts, null, default);
        Time.Advance(TimeSpan.FromDays(5));
        var recent = await AcceptedAsync(store, Delivery(NewKey()));
        await store.DeadLetterAsync(Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease, null, DeliveryErrors.MaxAttempts, null, default);
        var alive = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromDays(3));

        Assert.Equal(1, await store.PurgeDeadAsync(TimeSpan.FromDays(7), default));
        Assert.Null(await store.GetAsync(old, false, default));
        Assert.NotNull(await store.GetAsync(recent, false, default));

        Assert.Equal(1, await store.PurgeDeadAsync(null, default));
        Assert.NotNull(await store.GetAsync(alive, false, default));
    }

    [Fact]
    public async Task EachSettledAttempt_IsRecordedWithItsSettlement_OnlyUnderItsLease_AndGoesWithItsDelivery()
    {
        var store = await CreateStoreAsync();
        var id = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var kept = await AcceptedAsync(store, Delivery(NewKey()));
        var first = Assert.Single(await store.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease;
        Assert.Equal(id, first.Id);
        var retried = new AttemptRecord(Time.GetUtcNow(), "d1", 503, DeliveryErrors.Status(503), TimeSpan.FromMilliseconds(12));
        Assert.True(await store.ScheduleRetryAsync(first, Time.GetUtcNow(), 503, DeliveryErrors.Status(503), retried, default));
        Time.Advance(TimeSpan.FromSeconds(1));

        var second = (await store.LeaseDueAsync(Route, 2, Owner, Lease, default)).Single(d => d.Lease.Id == id).Lease;
        var dead = new AttemptRecord(Time.GetUtcNow(), "d2", 400, DeliveryErrors.Status(400), TimeSpan.FromMilliseconds(1500));

        // A settlement whose lease is no longer the caller's records nothing.
        Assert.False(await store.DeadLetterAsync(first, 400, DeliveryErrors.Status(400), dead with { Destination = "stale" }, default));
        Assert.True(await store.DeadLetterAsync(second, 400, DeliveryErrors.Status(400), dead, default));
        Assert.Equal([new StoredAttempt(1, retried), new StoredAttempt(2, dead)], await store.GetAttemptsAsync(id, default));

        // Deleted with their delivery, and only with it.
        Assert.Equal(1, await store.PurgeDeadAsync(null, default));
        Assert.Empty(await store.GetAttemptsAsync(id, default));
        Assert.NotNull(await store.GetAsync(kept, false, default));
    }

    [Fact]
    public async Task List_IsNewestFirst_FilteredByRouteAndState_WithoutBodies()
    {
        var store = await CreateStoreAsync();
        var first = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = await AcceptedAsync(store, Delivery(NewKey()));
        Time.Advance(TimeSpan.FromSeconds(1));
        await AcceptedAsync(store, Delivery(NewKey(), route: "audit"));

        var listed = await store.ListAsync(new DeliveryQuery { RouteId = Route, State = DeliveryState.Pending }, default);

        Assert.Equal([second, first], listed.Select(d => d.Id));
        Assert.All(listed, d => Assert.Null(d.Body));
        Assert.Single(await store.ListAsync(new DeliveryQuery { Limit = 1 }, default));
        Assert.Empty(await store.ListAsync(new DeliveryQuery { State = DeliveryState.Dead }, default));
    }

    [Fact]
    public async Task Encrypted_TheStorageNeverHoldsTheBody_YetLeaseReturnsIt_AndInTheClearItDoes()
    {
        var encryptedMarker = Encoding.ASCII.GetBytes("MARKER-" + Guid.NewGuid().ToString("N"));
        var clearMarker = Encoding.ASCII.GetBytes("MARKER-" + Guid.NewGuid().ToString("N"));
        var encrypting = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = [NewEncryptionKey()] });
        await AcceptedAsync(encrypting, Delivery(NewKey(), body: [.. "{\"x\":\""u8, .. encryptedMarker, .. "\"}"u8]));

        Assert.False(await StorageContainsAsync(encryptedMarker));
        var leased = Assert.Single(await encrypting.LeaseDueAsync(Route, 1, Owner, Lease, default)).Delivery;
        Assert.Equal([.. "{\"x\":\""u8, .. encryptedMarker, .. "\"}"u8], leased.Body!.Value.ToArray());

        // The check can fail: the same engine in the clear shows the marker.
        var clear = await CreateStoreAsync();
        await AcceptedAsync(clear, Delivery(NewKey(), route: "audit", body: clearMarker));
        Assert.True(await StorageContainsAsync(clearMarker));
    }

    [Fact]
    public async Task KeyRotation_OldKeyStillDecrypts_NewKeyEncrypts_AndARetiredKeyIsAClearError()
    {
        var oldKey = NewEncryptionKey();
        var newKey = NewEncryptionKey();
        var before = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = [oldKey] });
        var written = await AcceptedAsync(before, Delivery(NewKey(), body: "under the old key"u8.ToArray()));

        var rotated = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = [newKey, oldKey] });
        var rewritten = await AcceptedAsync(rotated, Delivery(NewKey(), body: "under the new key"u8.ToArray()));
        Assert.Equal("under the old key"u8.ToArray(), (await rotated.GetAsync(written, true, default))!.Body!.Value.ToArray());

        var retired = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = [newKey] });
        Assert.Equal("under the new key"u8.ToArray(), (await retired.GetAsync(rewritten, true, default))!.Body!.Value.ToArray());
        var unreadable = (await retired.GetAsync(written, true, default))!;
        Assert.Null(unreadable.Body);
        Assert.Contains($"key {BodyProtector.ComputeKeyId(Convert.FromBase64String(oldKey))}, which is not among Webhooks:Queue:EncryptionKeys", unreadable.BodyError, StringComparison.Ordinal);
        Assert.DoesNotContain(oldKey, unreadable.BodyError, StringComparison.Ordinal);

        // A worker gets it with the error instead of an exception that would stop its loop; the other one is fine.
        var leased = await retired.LeaseDueAsync(Route, 10, Owner, Lease, default);
        Assert.Equal(2, leased.Count);
        Assert.NotNull(leased.Single(d => d.Delivery.Id == written).Delivery.BodyError);
        Assert.Equal("under the new key"u8.ToArray(), leased.Single(d => d.Delivery.Id == rewritten).Delivery.Body!.Value.ToArray());
    }

    [Fact]
    public async Task CiphertextMovedToAnotherRow_FailsAuthentication()
    {
        var store = await CreateStoreAsync(new DeliveryQueueOptions { EncryptionKeys = [NewEncryptionKey()] });
        var source = await AcceptedAsync(store, Delivery(NewKey(), route: "source", body: "the source's body"u8.ToArray()));
        var target = await AcceptedAsync(store, Delivery(NewKey(), route: "target", body: "the target's body"u8.ToArray()));

        await ExecuteRawAsync("UPDATE deliveries SET body = (SELECT body FROM deliveries WHERE route = 'source') WHERE route = 'target'");

        var moved = (await store.GetAsync(target, true, default))!;
        Assert.Null(moved.Body);
        Assert.Contains("failed authentication", moved.BodyError, StringComparison.Ordinal);
        Assert.Equal("the source's body"u8.ToArray(), (await store.GetAsync(source, true, default))!.Body!.Value.ToArray());
    }

    [Fact]
    public async Task AStoreRestarted_FindsWhatWasAccepted()
    {
        var first = await CreateStoreAsync();
        var id = await AcceptedAsync(first, Delivery(NewKey(), body: AllBytes));
        await first.DisposeAsync();

        var restarted = await CreateStoreAsync();

        Assert.Equal(AllBytes, (await restarted.GetAsync(id, true, default))!.Body!.Value.ToArray());
        Assert.True(await restarted.PingAsync(default));
    }
}
