using System.Security.Cryptography;
using Axitech.Gateway.Deduplication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.Tests.Deduplication;

public sealed class InMemoryDeduplicationStoreTests : IDisposable
{
    private static readonly TimeSpan _lease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan _ttl = TimeSpan.FromMinutes(6);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryDeduplicationStore _store;

    public InMemoryDeduplicationStoreTests() => _store = new InMemoryDeduplicationStore(_time, 1_000, NullLogger<InMemoryDeduplicationStore>.Instance);

    public void Dispose() => _store.Dispose();

    [Fact]
    public void FirstClaim_IsClaimed_AndARepeatIsInFlight()
    {
        var key = NewKey();

        var first = _store.TryClaim(key, _lease);
        var repeat = _store.TryClaim(key, _lease);

        Assert.Equal(ClaimStatus.Claimed, first.Status);
        Assert.NotEqual(0, first.Token);
        Assert.Equal(ClaimStatus.InFlight, repeat.Status);
    }

    [Fact]
    public async Task Completed_RemembersTheStatus()
    {
        var key = NewKey();
        var claim = _store.TryClaim(key, _lease);

        Assert.True(await _store.CompleteAsync(key, claim.Token, 202, _ttl, default));
        var repeat = _store.TryClaim(key, _lease);

        Assert.Equal(ClaimStatus.Delivered, repeat.Status);
        Assert.Equal(202, repeat.DeliveredStatusCode);
    }

    [Fact]
    public async Task Released_CanBeClaimedAgain()
    {
        var key = NewKey();
        var claim = _store.TryClaim(key, _lease);

        Assert.True(await _store.ReleaseAsync(key, claim.Token, default));

        Assert.Equal(ClaimStatus.Claimed, _store.TryClaim(key, _lease).Status);
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task OnlyTheOwnersToken_CompletesOrReleases()
    {
        var key = NewKey();
        var claim = _store.TryClaim(key, _lease);

        Assert.False(await _store.CompleteAsync(key, claim.Token + 1, 200, _ttl, default));
        Assert.False(await _store.ReleaseAsync(key, claim.Token + 1, default));
        Assert.Equal(ClaimStatus.InFlight, _store.TryClaim(key, _lease).Status);
    }

    [Fact]
    public async Task ADeliveredEntry_CannotBeReleasedEvenByItsOwner()
    {
        var key = NewKey();
        var claim = _store.TryClaim(key, _lease);
        await _store.CompleteAsync(key, claim.Token, 200, _ttl, default);

        Assert.False(await _store.ReleaseAsync(key, claim.Token, default));
        Assert.Equal(ClaimStatus.Delivered, _store.TryClaim(key, _lease).Status);
    }

    [Fact]
    public async Task ALapsedLease_LetsARetryClaim_AndTheOldOwnerCanNoLongerComplete()
    {
        var key = NewKey();
        var stale = _store.TryClaim(key, _lease);

        _time.Advance(_lease + TimeSpan.FromSeconds(1));
        var retry = _store.TryClaim(key, _lease);

        Assert.Equal(ClaimStatus.Claimed, retry.Status);
        Assert.False(await _store.CompleteAsync(key, stale.Token, 200, _ttl, default));
        Assert.True(await _store.CompleteAsync(key, retry.Token, 200, _ttl, default));
    }

    [Fact]
    public async Task DeliveredEntries_ExpireWithTheirTimeToLive()
    {
        var key = NewKey();
        var claim = _store.TryClaim(key, _lease);
        await _store.CompleteAsync(key, claim.Token, 200, _ttl, default);

        _time.Advance(_ttl - TimeSpan.FromSeconds(1));
        Assert.Equal(ClaimStatus.Delivered, _store.TryClaim(key, _lease).Status);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ClaimStatus.Claimed, _store.TryClaim(key, _lease).Status);
    }

    [Fact]
    public async Task TheSweeper_RemovesExpiredEntries()
    {
        for (var i = 0; i < 10; i++)
        {
            var key = NewKey();
            var claim = _store.TryClaim(key, _lease);
            await _store.CompleteAsync(key, claim.Token, 200, TimeSpan.FromSeconds(5), default);
        }

        Assert.Equal(10, _store.Count);
        _time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public void WhenFull_NewDeliveriesAreRefused_AndLiveEntriesAreKept()
    {
        using var store = new InMemoryDeduplicationStore(_time, 3, NullLogger<InMemoryDeduplicationStore>.Instance);
        var keys = Enumerable.Range(0, 3).Select(_ => NewKey()).ToArray();
        foreach (var key in keys)
        {
            Assert.Equal(ClaimStatus.Claimed, store.TryClaim(key, _lease).Status);
        }

        Assert.Equal(ClaimStatus.StoreFull, store.TryClaim(NewKey(), _lease).Status);
        Assert.All(keys, key => Assert.Equal(ClaimStatus.InFlight, store.TryClaim(key, _lease).Status));

        // Once entries expire, there is room again.
        _time.Advance(_lease + TimeSpan.FromSeconds(1));
        Assert.Equal(ClaimStatus.Claimed, store.TryClaim(NewKey(), _lease).Status);
    }

    [Fact]
    public void SameSignatureUnderAnotherPolicy_IsAnotherDelivery()
    {
        var hash = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(ClaimStatus.Claimed, _store.TryClaim(DeduplicationKey.Create("a", hash), _lease).Status);
        Assert.Equal(ClaimStatus.Claimed, _store.TryClaim(DeduplicationKey.Create("b", hash), _lease).Status);
    }

    [Fact]
    public void ConcurrentClaims_OfOneDelivery_ExactlyOneWins()
    {
        var key = NewKey();
        var results = new DeduplicationClaim[64];

        Parallel.For(0, results.Length, i => results[i] = _store.TryClaim(key, _lease));

        Assert.Single(results, r => r.Status == ClaimStatus.Claimed);
        Assert.Equal(results.Length - 1, results.Count(r => r.Status == ClaimStatus.InFlight));
    }

    [Fact]
    public async Task ManyEntries_KeepTheirStateWhileTheTablesGrow()
    {
        // 64 slots a shard at first: 20,000 entries make every shard's table grow several times.
        using var store = new InMemoryDeduplicationStore(_time, 100_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        var keys = Enumerable.Range(0, 20_000).Select(_ => NewKey()).ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            var claim = store.TryClaim(keys[i], _lease);
            Assert.Equal(ClaimStatus.Claimed, claim.Status);
            if (i % 2 == 0)
            {
                Assert.True(await store.CompleteAsync(keys[i], claim.Token, 200 + (i % 3), _ttl, default));
            }
        }

        Assert.Equal(keys.Length, store.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            var repeat = store.TryClaim(keys[i], _lease);
            Assert.Equal(i % 2 == 0 ? ClaimStatus.Delivered : ClaimStatus.InFlight, repeat.Status);
            Assert.Equal(i % 2 == 0 ? 200 + (i % 3) : 0, repeat.DeliveredStatusCode);
        }
    }

    [Fact]
    public async Task ClaimsReleasedOverAndOver_LeaveNoEntry_AndEachCanBeClaimedAgain()
    {
        // Each release moves entries of the same probe run back: every other entry must still be found, and the count stay exact.
        using var store = new InMemoryDeduplicationStore(_time, 100_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        var keys = Enumerable.Range(0, 5_000).Select(_ => NewKey()).ToArray();
        for (var round = 0; round < 5; round++)
        {
            var claims = keys.Select(key => store.TryClaim(key, _lease)).ToArray();
            Assert.Equal(keys.Length, store.Count);
            Assert.All(keys, key => Assert.Equal(ClaimStatus.InFlight, store.TryClaim(key, _lease).Status));
            for (var i = 0; i < keys.Length; i++)
            {
                Assert.Equal(ClaimStatus.Claimed, claims[i].Status);
                Assert.True(await store.ReleaseAsync(keys[i], claims[i].Token, default));
            }

            Assert.Equal(0, store.Count);
            if (round % 2 == 1)
            {
                store.Sweep();
            }
        }
    }

    [Fact]
    public async Task ReleasingEveryOtherClaim_LeavesTheOthersFindable()
    {
        using var store = new InMemoryDeduplicationStore(_time, 100_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        var keys = Enumerable.Range(0, 8_000).Select(_ => NewKey()).ToArray();
        var claims = keys.Select(key => store.TryClaim(key, _lease)).ToArray();

        for (var i = 1; i < keys.Length; i += 2)
        {
            Assert.True(await store.ReleaseAsync(keys[i], claims[i].Token, default));
        }

        Assert.Equal(keys.Length / 2, store.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? ClaimStatus.InFlight : ClaimStatus.Claimed, store.TryClaim(keys[i], _lease).Status);
        }
    }

    [Fact]
    public async Task TheSweeper_RemovesMostOfATable_AndTheLiveEntriesRemainFindable()
    {
        using var store = new InMemoryDeduplicationStore(_time, 100_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        var shortLived = Enumerable.Range(0, 10_000).Select(_ => NewKey()).ToArray();
        var longLived = Enumerable.Range(0, 1_000).Select(_ => NewKey()).ToArray();
        foreach (var (key, ttl) in shortLived.Select(k => (k, TimeSpan.FromSeconds(30))).Concat(longLived.Select(k => (k, _ttl))))
        {
            var claim = store.TryClaim(key, _lease);
            Assert.True(await store.CompleteAsync(key, claim.Token, 200, ttl, default));
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        store.Sweep();

        Assert.Equal(longLived.Length, store.Count);
        Assert.All(longLived, key => Assert.Equal(ClaimStatus.Delivered, store.TryClaim(key, _lease).Status));
        Assert.All(shortLived, key => Assert.Equal(ClaimStatus.Claimed, store.TryClaim(key, _lease).Status));
        Assert.Equal(longLived.Length + shortLived.Length, store.Count);
    }

    [Fact]
    public async Task ConcurrentDeliveries_WhileTablesGrow_AreEachRememberedOnce()
    {
        using var store = new InMemoryDeduplicationStore(_time, 100_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        var keys = Enumerable.Range(0, 40_000).Select(_ => NewKey()).ToArray();

        await Parallel.ForEachAsync(keys, async (key, _) =>
        {
            var claim = store.TryClaim(key, _lease);
            Assert.Equal(ClaimStatus.Claimed, claim.Status);
            Assert.True(await store.CompleteAsync(key, claim.Token, 200, _ttl, default));
        });

        Assert.Equal(keys.Length, store.Count);
        Assert.All(keys, key => Assert.Equal(ClaimStatus.Delivered, store.TryClaim(key, _lease).Status));
    }

    private static DeduplicationKey NewKey() => DeduplicationKey.Create("policy", RandomNumberGenerator.GetBytes(32));
}
