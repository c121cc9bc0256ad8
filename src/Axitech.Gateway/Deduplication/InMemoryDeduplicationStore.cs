using System.Collections.Concurrent;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The store of a single instance. Bounded by <c>MaxEntries</c>: when full it refuses new deliveries (503, the sender
/// retries) instead of evicting live entries, which would reopen the replay window. Expired entries are swept
/// periodically and ignored when found.
/// </summary>
/// <remarks>
/// <para>
/// Entries are keyed on the policy and the first 128 bits of the 256-bit key: an attacker cannot choose an HMAC
/// output without the secret, and 128 bits make an accidental collision negligible at any rate the gateway can serve.
/// </para>
/// <para>
/// Every accepted delivery adds an entry that outlives the request by minutes, so how entries are held is what the
/// garbage collector pays for, on every collection, at every rate. A dictionary of entries allocates a node per entry
/// (and per update), which each collection has to promote and trace. Here entries are plain structs in open-addressing
/// tables (linear probing, 40 bytes a slot, load at most 3/4) split into <see cref="ShardCount"/> shards, each behind
/// its own lock: no object per entry, no reference for the collector to trace, an allocation only when a shard's table
/// grows or shrinks. About 80 MB for 1,000,000 entries (see the store benchmark).
/// </para>
/// </remarks>
internal sealed partial class InMemoryDeduplicationStore : IDeduplicationStore, IDisposable
{
    /// <summary>A power of two; the shard is picked by the top bits of the key's second word.</summary>
    private const int ShardCount = 64;
    private const int ShardBits = 6;
    private const int InitialCapacity = 64;

    private static readonly TimeSpan _sweepInterval = TimeSpan.FromSeconds(10);

    private readonly Shard[] _shards = new Shard[ShardCount];
    private readonly ConcurrentDictionary<string, int> _policyIds = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly long _maxEntries;
    private readonly ITimer _sweeper;
    private readonly ILogger<InMemoryDeduplicationStore> _logger;
    private long _count;
    private long _lastToken;
    private int _lastPolicyId;
    private long _lastFullLogTicks;

    public InMemoryDeduplicationStore(TimeProvider timeProvider, long maxEntries, ILogger<InMemoryDeduplicationStore> logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        _timeProvider = timeProvider;
        _maxEntries = maxEntries;
        _logger = logger;
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }

        _sweeper = timeProvider.CreateTimer(static state => ((InMemoryDeduplicationStore)state!).Sweep(), this, _sweepInterval, _sweepInterval);
    }

    public string Name => "memory";

    /// <summary>Live and not yet swept entries.</summary>
    public long Count => Interlocked.Read(ref _count);

    public ValueTask<DeduplicationClaim> TryClaimAsync(DeduplicationKey key, TimeSpan lease, CancellationToken cancellationToken)
        => ValueTask.FromResult(TryClaim(key, lease));

    public DeduplicationClaim TryClaim(DeduplicationKey key, TimeSpan lease)
    {
        var policy = PolicyId(key.Policy);
        var shard = ShardOf(key);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var swept = false;
        while (true)
        {
            lock (shard.Gate)
            {
                var index = shard.Find(policy, key.H0, key.H1, out var free);
                if (index >= 0)
                {
                    ref var existing = ref shard.Slots[index];
                    if (existing.ExpiresAtTicks > now)
                    {
                        return existing.StatusCode == 0
                            ? DeduplicationClaim.InFlight
                            : new DeduplicationClaim(ClaimStatus.Delivered, 0, existing.StatusCode);
                    }

                    // Expired but not yet swept: take its place.
                    existing = new Slot(key.H0, key.H1, now + lease.Ticks, NextToken(), 0, policy);
                    return new DeduplicationClaim(ClaimStatus.Claimed, existing.Token);
                }

                if (Interlocked.Increment(ref _count) <= _maxEntries)
                {
                    var token = NextToken();
                    shard.Add(free, new Slot(key.H0, key.H1, now + lease.Ticks, token, 0, policy));
                    return new DeduplicationClaim(ClaimStatus.Claimed, token);
                }

                Interlocked.Decrement(ref _count);
            }

            // Full: expired entries may be making room; sweep once (outside the shard's lock, since the sweep takes
            // every shard's in turn) and look again.
            if (swept)
            {
                LogFull(now);
                return DeduplicationClaim.Full;
            }

            Sweep();
            swept = true;
        }
    }

    public ValueTask<bool> CompleteAsync(DeduplicationKey key, long token, int statusCode, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var policy = PolicyId(key.Policy);
        var shard = ShardOf(key);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        lock (shard.Gate)
        {
            var index = shard.FindInFlight(policy, key.H0, key.H1, token);
            if (index < 0)
            {
                return ValueTask.FromResult(false);
            }

            shard.Slots[index] = shard.Slots[index] with { ExpiresAtTicks = now + timeToLive.Ticks, StatusCode = statusCode };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> ReleaseAsync(DeduplicationKey key, long token, CancellationToken cancellationToken)
    {
        var policy = PolicyId(key.Policy);
        var shard = ShardOf(key);
        lock (shard.Gate)
        {
            var index = shard.FindInFlight(policy, key.H0, key.H1, token);
            if (index < 0)
            {
                return ValueTask.FromResult(false);
            }

            shard.Remove(index);
        }

        Interlocked.Decrement(ref _count);
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>Removes expired entries. Runs on a timer and when the store is full; holds one shard's lock at a time.</summary>
    public void Sweep()
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                Interlocked.Add(ref _count, -shard.RemoveExpired(now));
            }
        }
    }

    public void Dispose() => _sweeper.Dispose();

    private Shard ShardOf(in DeduplicationKey key) => _shards[(int)(key.H1 >> (64 - ShardBits))];

    /// <summary>Policy names as small numbers, so that a slot holds no reference. Names come from configuration.</summary>
    private int PolicyId(string policy)
        => _policyIds.GetOrAdd(policy, static (_, store) => Interlocked.Increment(ref store._lastPolicyId), this);

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

    /// <summary>One entry. <see cref="Policy"/> 0 marks an empty slot; <see cref="StatusCode"/> 0 means in flight, otherwise the upstream's 2xx status.</summary>
    private readonly record struct Slot(ulong H0, ulong H1, long ExpiresAtTicks, long Token, int StatusCode, int Policy)
    {
        public bool IsEmpty => Policy == 0;
    }

    /// <summary>
    /// A table of slots with linear probing, at most 3/4 full so that probes end. Removal shifts the rest of the entry's
    /// run back (Knuth's algorithm R), so there are no tombstones to lengthen probes or to rebuild the table for: the
    /// table is only reallocated when it grows, or shrinks after a sweep. Every member is called with <see cref="Gate"/> held.
    /// </summary>
    private sealed class Shard
    {
        public readonly Lock Gate = new();

        public Slot[] Slots = new Slot[InitialCapacity];

        private int _count;

        /// <summary>The index of the entry, or -1 with <paramref name="free"/> the empty slot that ends its probe.</summary>
        public int Find(int policy, ulong h0, ulong h1, out int free)
        {
            var slots = Slots;
            var mask = slots.Length - 1;
            for (var i = (int)h0 & mask; ; i = (i + 1) & mask)
            {
                ref readonly var slot = ref slots[i];
                if (slot.IsEmpty)
                {
                    free = i;
                    return -1;
                }

                if (slot.H0 == h0 && slot.H1 == h1 && slot.Policy == policy)
                {
                    free = -1;
                    return i;
                }
            }
        }

        /// <summary>The index of the entry while it is in flight under <paramref name="token"/>'s claim, or -1.</summary>
        public int FindInFlight(int policy, ulong h0, ulong h1, long token)
        {
            var index = Find(policy, h0, h1, out _);
            return index >= 0 && Slots[index].Token == token && Slots[index].StatusCode == 0 ? index : -1;
        }

        /// <summary>Adds an entry at <paramref name="free"/> (from <see cref="Find"/>); grows the table past 3/4.</summary>
        public void Add(int free, in Slot entry)
        {
            Slots[free] = entry;
            if (++_count * 4 > Slots.Length * 3)
            {
                Resize(Slots.Length * 2);
            }
        }

        /// <summary>Empties slot <paramref name="index"/>, moving back the entries after it that it would cut off from their home slot.</summary>
        public void Remove(int index)
        {
            var slots = Slots;
            var mask = slots.Length - 1;
            var hole = index;
            for (var i = (index + 1) & mask; !slots[i].IsEmpty; i = (i + 1) & mask)
            {
                // An entry may fill the hole unless its home lies cyclically in (hole, i]: then the hole is not on its probe path.
                var home = (int)slots[i].H0 & mask;
                if (((i - home) & mask) >= ((i - hole) & mask))
                {
                    slots[hole] = slots[i];
                    hole = i;
                }
            }

            slots[hole] = default;
            _count--;
        }

        /// <summary>Removes the expired entries, then halves the table while it is at most 1/8 full; returns how many it removed.</summary>
        public int RemoveExpired(long nowTicks)
        {
            var before = _count;
            var slots = Slots;
            for (var i = 0; i < slots.Length; i++)
            {
                // A removal may move a later (or wrapped-around) entry into slot i: look at it again.
                while (!slots[i].IsEmpty && slots[i].ExpiresAtTicks <= nowTicks)
                {
                    Remove(i);
                }
            }

            var capacity = slots.Length;
            while (capacity > InitialCapacity && _count * 8 <= capacity)
            {
                capacity /= 2;
            }

            if (capacity != slots.Length)
            {
                Resize(capacity);
            }

            return before - _count;
        }

        private void Resize(int capacity)
        {
            var slots = new Slot[capacity];
            var mask = capacity - 1;
            foreach (ref readonly var slot in Slots.AsSpan())
            {
                if (slot.IsEmpty)
                {
                    continue;
                }

                var i = (int)slot.H0 & mask;
                while (!slots[i].IsEmpty)
                {
                    i = (i + 1) & mask;
                }

                slots[i] = slot;
            }

            Slots = slots;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Error, "The in-memory duplicate store holds {MaxEntries} live entries (Deduplication:MaxEntries): new deliveries are refused with 503 until entries expire. Raise the limit, shorten Tolerance, or use Redis.")]
        public static partial void StoreFull(ILogger logger, long maxEntries);
    }
}
