using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The store of a single instance. Bounded by <c>MaxEntries</c>: when full it refuses new deliveries (503, the sender
/// retries) instead of evicting live entries, which would reopen the replay window. Expired entries are swept
/// periodically and ignored when found.
/// </summary>
/// <remarks>
/// Entries are keyed on the policy and the first 128 bits of the 256-bit key: an attacker cannot choose an HMAC
/// output without the secret, and 128 bits make an accidental collision negligible at any rate the gateway can serve.
/// About 90 bytes an entry (see the store benchmark).
/// </remarks>
internal sealed partial class InMemoryDeduplicationStore : IDeduplicationStore, IDisposable
{
    private static readonly TimeSpan s_sweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly TimeProvider _timeProvider;
    private readonly long _maxEntries;
    private readonly ITimer _sweeper;
    private readonly ILogger<InMemoryDeduplicationStore> _logger;
    private long _count;
    private long _lastToken;
    private long _lastFullLogTicks;

    public InMemoryDeduplicationStore(TimeProvider timeProvider, long maxEntries, ILogger<InMemoryDeduplicationStore> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        _timeProvider = timeProvider;
        _maxEntries = maxEntries;
        _logger = logger;
        _sweeper = timeProvider.CreateTimer(static state => ((InMemoryDeduplicationStore)state!).Sweep(), this, s_sweepInterval, s_sweepInterval);
    }

    public string Name => "memory";

    /// <summary>Live and not yet swept entries.</summary>
    public long Count => Interlocked.Read(ref _count);

    public ValueTask<DeduplicationClaim> TryClaimAsync(DeduplicationKey key, TimeSpan lease, CancellationToken cancellationToken)
        => ValueTask.FromResult(TryClaim(key, lease));

    public DeduplicationClaim TryClaim(DeduplicationKey key, TimeSpan lease)
    {
        var k = new Key(key.Policy, key.H0, key.H1);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var claim = new Entry(now + lease.Ticks, NextToken(), 0);
        while (true)
        {
            if (_entries.TryGetValue(k, out var existing))
            {
                if (existing.ExpiresAtTicks > now)
                {
                    return existing.StatusCode == 0
                        ? DeduplicationClaim.InFlight
                        : new DeduplicationClaim(ClaimStatus.Delivered, 0, existing.StatusCode);
                }

                // Expired but not yet swept: take its place.
                if (_entries.TryUpdate(k, claim, existing))
                {
                    return new DeduplicationClaim(ClaimStatus.Claimed, claim.Token);
                }

                continue;
            }

            if (Interlocked.Increment(ref _count) > _maxEntries)
            {
                Interlocked.Decrement(ref _count);
                Sweep();
                if (Interlocked.Read(ref _count) >= _maxEntries)
                {
                    LogFull(now);
                    return DeduplicationClaim.Full;
                }

                continue;
            }

            if (_entries.TryAdd(k, claim))
            {
                return new DeduplicationClaim(ClaimStatus.Claimed, claim.Token);
            }

            Interlocked.Decrement(ref _count);
        }
    }

    public ValueTask<bool> CompleteAsync(DeduplicationKey key, long token, int statusCode, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var k = new Key(key.Policy, key.H0, key.H1);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var completed = _entries.TryGetValue(k, out var existing)
            && existing.Token == token
            && existing.StatusCode == 0
            && _entries.TryUpdate(k, new Entry(now + timeToLive.Ticks, token, statusCode), existing);
        return ValueTask.FromResult(completed);
    }

    public ValueTask<bool> ReleaseAsync(DeduplicationKey key, long token, CancellationToken cancellationToken)
    {
        var k = new Key(key.Policy, key.H0, key.H1);
        var released = _entries.TryGetValue(k, out var existing)
            && existing.Token == token
            && existing.StatusCode == 0
            && _entries.TryRemove(new KeyValuePair<Key, Entry>(k, existing));
        if (released)
        {
            Interlocked.Decrement(ref _count);
        }

        return ValueTask.FromResult(released);
    }

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>Removes expired entries. Runs on a timer and when the store is full.</summary>
    public void Sweep()
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAtTicks <= now && _entries.TryRemove(pair))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    /// <summary>
    /// Owner tokens only have to tell this store's claims apart, and never leave the process: a counter does that (it
    /// never repeats, never 0). A RandomNumberGenerator call costs about 2 µs on Linux, on every claim, repeats included.
    /// </summary>
    private long NextToken() => Interlocked.Increment(ref _lastToken);

    private void LogFull(long nowTicks)
    {
        // At most one log line a second: a full store under load must not flood the logs.
        var last = Interlocked.Read(ref _lastFullLogTicks);
        if (nowTicks - last >= TimeSpan.TicksPerSecond && Interlocked.CompareExchange(ref _lastFullLogTicks, nowTicks, last) == last)
        {
            Log.StoreFull(_logger, _maxEntries);
        }
    }

    private readonly record struct Key(string Policy, ulong H0, ulong H1);

    /// <summary>StatusCode 0 means in flight; otherwise the upstream's 2xx status.</summary>
    private readonly record struct Entry(long ExpiresAtTicks, long Token, int StatusCode);

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Error, "The in-memory duplicate store holds {MaxEntries} live entries (Deduplication:MaxEntries): new deliveries are refused with 503 until entries expire. Raise the limit, shorten Tolerance, or use Redis.")]
        public static partial void StoreFull(ILogger logger, long maxEntries);
    }
}
