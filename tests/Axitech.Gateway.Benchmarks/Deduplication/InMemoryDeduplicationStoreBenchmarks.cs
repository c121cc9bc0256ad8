using Axitech.Gateway.Deduplication;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Axitech.Gateway.Benchmarks.Deduplication;

/// <summary>
/// The in-memory duplicate store on the gateway's hot path: one claim and one completion per forwarded delivery, and
/// the lookup that answers a repeat. Measured on an empty store and on one already holding a million live entries
/// (the default <c>MaxEntries</c>; about 3,300 deliveries a second over a 5-minute window).
/// </summary>
/// <remarks>
/// Each iteration claims and completes <see cref="OperationsPerIteration"/> fresh keys; the cleanup moves the clock
/// past their lifetime and sweeps them, so every iteration starts from the same store size (the pre-filled entries
/// live for a year of the benchmark's clock).
/// </remarks>
[MemoryDiagnoser]
public class InMemoryDeduplicationStoreBenchmarks
{
    private const int OperationsPerIteration = 100_000;

    private static readonly TimeSpan _lease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan _timeToLive = TimeSpan.FromMinutes(5.5);
    private static readonly TimeSpan _prefilledTimeToLive = TimeSpan.FromDays(365);

    private readonly DeduplicationKey[] _keys = new DeduplicationKey[OperationsPerIteration];
    private ManualTimeProvider _time = null!;
    private InMemoryDeduplicationStore _store = null!;
    private long _nextKey;

    [Params(0, 1_000_000)]
    public int LiveEntries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _time = new ManualTimeProvider(TimeProvider.System.GetUtcNow());
        _store = new InMemoryDeduplicationStore(_time, maxEntries: 10_000_000, NullLogger<InMemoryDeduplicationStore>.Instance);
        for (; _nextKey < LiveEntries; _nextKey++)
        {
            ClaimAndComplete(BenchmarkKeys.Create(_nextKey), _prefilledTimeToLive);
        }

        // Keys already delivered, for the repeat lookup.
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = BenchmarkKeys.Create(_nextKey++);
            ClaimAndComplete(_keys[i], _prefilledTimeToLive);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [IterationSetup(Target = nameof(ClaimThenComplete))]
    public void FreshKeys()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = BenchmarkKeys.Create(_nextKey++);
        }
    }

    [IterationCleanup(Target = nameof(ClaimThenComplete))]
    public void ExpireFreshKeys()
    {
        _time.Advance(_timeToLive + TimeSpan.FromSeconds(1));
        _store.Sweep();
        if (_store.Count != LiveEntries + OperationsPerIteration)
        {
            throw new InvalidOperationException($"The store holds {_store.Count} entries after the sweep; expected {LiveEntries + OperationsPerIteration}.");
        }
    }

    /// <summary>A first delivery: claimed as in flight, then completed with the upstream's 200.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerIteration, Description = "TryClaim + Complete (first delivery)")]
    public void ClaimThenComplete()
    {
        foreach (var key in _keys)
        {
            ClaimAndComplete(key, _timeToLive);
        }
    }

    /// <summary>A repeat of a delivered delivery: the lookup that answers it without forwarding.</summary>
    [Benchmark(OperationsPerInvoke = OperationsPerIteration, Description = "TryClaim (repeat of a delivered one)")]
    public int ClaimRepeat()
    {
        var delivered = 0;
        foreach (var key in _keys)
        {
            delivered += _store.TryClaim(key, _lease).Status == ClaimStatus.Delivered ? 1 : 0;
        }

        return delivered;
    }

    private void ClaimAndComplete(DeduplicationKey key, TimeSpan timeToLive)
        => StoreOperations.ClaimAndComplete(_store, key, _lease, timeToLive);
}
