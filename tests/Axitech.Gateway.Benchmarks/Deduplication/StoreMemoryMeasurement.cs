using System.Globalization;
using Axitech.Gateway.Deduplication;
using Microsoft.Extensions.Logging.Abstractions;

namespace Axitech.Gateway.Benchmarks.Deduplication;

/// <summary>
/// Issue 6, target 3: the in-memory duplicate store holds 1,000,000 live entries in under 128 MB. Measured as the
/// growth of the managed heap (<see cref="GC.GetTotalMemory(bool)"/> after full collections) while a million
/// delivered entries are added; the keys are made on the fly, so only the store's own memory is counted.
/// </summary>
internal static class StoreMemoryMeasurement
{
    public const int Entries = 1_000_000;
    public const long GoalBytes = 128L * 1024 * 1024;

    public static StoreMemoryResult Measure()
    {
        var time = new ManualTimeProvider(TimeProvider.System.GetUtcNow());
        using var store = new InMemoryDeduplicationStore(time, maxEntries: Entries, NullLogger<InMemoryDeduplicationStore>.Instance);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < Entries; i++)
        {
            StoreOperations.ClaimAndComplete(store, BenchmarkKeys.Create(i), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5.5));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var count = store.Count;
        GC.KeepAlive(store);
        return new StoreMemoryResult(count, after - before);
    }

    public static void Print(StoreMemoryResult result, TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine("In-memory duplicate store, 1,000,000 live (delivered) entries: managed heap growth (GC.GetTotalMemory(true) after - before)");
        output.WriteLine();
        output.WriteLine("| Live entries | Heap growth | Bytes per entry | Goal | Met |");
        output.WriteLine("|---:|---:|---:|---:|:---:|");
        output.WriteLine(string.Format(
            culture,
            "| {0:N0} | {1:N1} MB | {2:N1} | < {3:N0} MB | {4} |",
            result.Entries,
            result.Bytes / (1024.0 * 1024.0),
            (double)result.Bytes / result.Entries,
            GoalBytes / (1024 * 1024),
            result.Bytes < GoalBytes ? "yes" : "NO"));
    }
}

internal readonly record struct StoreMemoryResult(long Entries, long Bytes);
