using System.Security.Cryptography;
using Axitech.Gateway.Deduplication;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Axitech.Gateway.FunctionalTests.Deduplication;

/// <summary>The state machine of the Redis store, against a real redis-server.</summary>
public sealed class RedisDeduplicationStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan _lease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan _ttl = TimeSpan.FromMinutes(6);
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisDeduplicationStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _store = new RedisDeduplicationStore(_connection, "axgw-test:", NullLogger<RedisDeduplicationStore>.Instance, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Claim_IsAtomic_AndCarriesTheLeaseAsItsTtl()
    {
        var key = NewKey();

        var first = await _store.TryClaimAsync(key, _lease, default);
        var repeat = await _store.TryClaimAsync(key, _lease, default);
        var ttl = await _connection.GetDatabase().KeyTimeToLiveAsync(_store.ToRedisKey(key));

        Assert.Equal(ClaimStatus.Claimed, first.Status);
        Assert.Equal(ClaimStatus.InFlight, repeat.Status);
        Assert.StartsWith("axgw-test:policy:", _store.ToRedisKey(key), StringComparison.Ordinal);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, _lease - TimeSpan.FromSeconds(5), _lease);
    }

    [Fact]
    public async Task Complete_RemembersTheStatus_WithTheLongerTtl()
    {
        var key = NewKey();
        var claim = await _store.TryClaimAsync(key, _lease, default);

        Assert.True(await _store.CompleteAsync(key, claim.Token, 201, _ttl, default));
        var repeat = await _store.TryClaimAsync(key, _lease, default);
        var ttl = await _connection.GetDatabase().KeyTimeToLiveAsync(_store.ToRedisKey(key));

        Assert.Equal(ClaimStatus.Delivered, repeat.Status);
        Assert.Equal(201, repeat.DeliveredStatusCode);
        Assert.InRange(ttl!.Value, _ttl - TimeSpan.FromSeconds(5), _ttl);
    }

    [Fact]
    public async Task Release_DeletesTheClaim()
    {
        var key = NewKey();
        var claim = await _store.TryClaimAsync(key, _lease, default);

        Assert.True(await _store.ReleaseAsync(key, claim.Token, default));

        Assert.False(await _connection.GetDatabase().KeyExistsAsync(_store.ToRedisKey(key)));
        Assert.Equal(ClaimStatus.Claimed, (await _store.TryClaimAsync(key, _lease, default)).Status);
    }

    [Fact]
    public async Task OnlyTheOwnersToken_CompletesOrReleases()
    {
        var key = NewKey();
        var claim = await _store.TryClaimAsync(key, _lease, default);

        Assert.False(await _store.CompleteAsync(key, claim.Token ^ 1, 200, _ttl, default));
        Assert.False(await _store.ReleaseAsync(key, claim.Token ^ 1, default));
        Assert.Equal(ClaimStatus.InFlight, (await _store.TryClaimAsync(key, _lease, default)).Status);

        Assert.True(await _store.CompleteAsync(key, claim.Token, 200, _ttl, default));
        Assert.False(await _store.ReleaseAsync(key, claim.Token, default));
        Assert.Equal(ClaimStatus.Delivered, (await _store.TryClaimAsync(key, _lease, default)).Status);
    }

    [Fact]
    public async Task ALapsedLease_LetsARetryClaim_AndTheOldOwnerCanNoLongerComplete()
    {
        var key = NewKey();
        var stale = await _store.TryClaimAsync(key, TimeSpan.FromMilliseconds(200), default);

        await Task.Delay(400);
        var retry = await _store.TryClaimAsync(key, _lease, default);

        Assert.Equal(ClaimStatus.Claimed, retry.Status);
        Assert.False(await _store.CompleteAsync(key, stale.Token, 200, _ttl, default));
        Assert.True(await _store.CompleteAsync(key, retry.Token, 200, _ttl, default));
    }

    [Fact]
    public async Task DeliveredEntries_Expire()
    {
        var key = NewKey();
        var claim = await _store.TryClaimAsync(key, _lease, default);
        await _store.CompleteAsync(key, claim.Token, 200, TimeSpan.FromMilliseconds(300), default);

        await Task.Delay(600);

        Assert.Equal(ClaimStatus.Claimed, (await _store.TryClaimAsync(key, _lease, default)).Status);
    }

    [Fact]
    public async Task ConcurrentClaims_OfOneDelivery_ExactlyOneWins()
    {
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _store.TryClaimAsync(key, _lease, default).AsTask()));

        Assert.Single(results, r => r.Status == ClaimStatus.Claimed);
    }

    [Fact]
    public async Task RedisDown_IsUnavailable_NotAnException()
    {
        await _redis.KillAsync();

        var claim = await _store.TryClaimAsync(NewKey(), _lease, default);

        Assert.Equal(ClaimStatus.StoreUnavailable, claim.Status);
        Assert.False(await _store.PingAsync(default));
    }

    private static DeduplicationKey NewKey() => DeduplicationKey.Create("policy", RandomNumberGenerator.GetBytes(32));
}
