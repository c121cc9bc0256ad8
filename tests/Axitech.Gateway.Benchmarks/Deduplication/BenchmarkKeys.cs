using Axitech.Gateway.Deduplication;

namespace Axitech.Gateway.Benchmarks.Deduplication;

/// <summary>
/// Distinct, random-looking 32-byte keys made from a counter (SplitMix64), as the gateway's keys are HMAC outputs:
/// no two alike, evenly spread over the hash table, and not retained by the generator.
/// </summary>
internal static class BenchmarkKeys
{
    public const string Policy = "axitech";

    private const ulong Golden = 0x9E3779B97F4A7C15;

    public static DeduplicationKey Create(long index)
    {
        Span<byte> hash = stackalloc byte[32];
        var state = (ulong)index * 4 * Golden;
        for (var i = 0; i < 4; i++)
        {
            BitConverter.TryWriteBytes(hash[(i * 8)..], SplitMix64(ref state));
        }

        return DeduplicationKey.Create(Policy, hash);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
