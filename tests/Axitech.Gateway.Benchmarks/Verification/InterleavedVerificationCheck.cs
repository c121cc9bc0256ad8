using System.Diagnostics;
using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Verification;

/// <summary>
/// The verification target measured a second way, robust to a shared, noisy machine: BenchmarkDotNet measures the
/// floor and the verifier in separate processes one after the other, so a neighbour's build can land on one and not
/// the other. Here blocks of each alternate in one process (order swapped every round) and the ratio is the median
/// of the per-round ratios; allocations are counted on the thread around the verifier's blocks.
/// </summary>
internal static class InterleavedVerificationCheck
{
    private const int Rounds = 401;
    private static readonly TimeSpan _blockTarget = TimeSpan.FromMilliseconds(5);

    /// <summary>Long enough for tiered compilation to promote the verifier (the floor is precompiled framework code).</summary>
    private static readonly TimeSpan _warmup = TimeSpan.FromSeconds(1);

    public static void Run(TextWriter output)
    {
        var culture = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine(string.Create(culture, $"Verification vs the HMACSHA256.HashData floor, interleaved in one process ({Rounds} rounds of ~{_blockTarget.TotalMilliseconds:N0} ms blocks, order alternating):"));
        output.WriteLine();
        output.WriteLine("| Body | Floor (median) | Verify (median) | Ratio (median of rounds) | Ratio p10–p90 | Allocated per verification | Goal | Met |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---|:---:|");
        foreach (var size in new[] { 1024, 64 * 1024, 1024 * 1024 })
        {
            var benchmarks = new WebhookVerifierBenchmarks { BodyBytes = size };
            benchmarks.Setup();
            WarmUp(benchmarks);
            var operations = Calibrate(benchmarks);
            var floor = new List<double>();
            var verify = new List<double>();
            var ratios = new List<double>();
            long allocated = 0;
            for (var round = -2; round < Rounds; round++)
            {
                // Two unreported rounds first (caches). Short blocks, many rounds: a neighbour's time slice spoils a
                // few rounds, not the median.
                double floorTime, verifyTime;
                if (round % 2 == 0)
                {
                    floorTime = TimeFloor(benchmarks, operations);
                    verifyTime = TimeVerify(benchmarks, operations, ref allocated);
                }
                else
                {
                    verifyTime = TimeVerify(benchmarks, operations, ref allocated);
                    floorTime = TimeFloor(benchmarks, operations);
                }

                if (round >= 0)
                {
                    floor.Add(floorTime);
                    verify.Add(verifyTime);
                    ratios.Add(verifyTime / floorTime);
                }
            }

            ratios.Sort();
            var ratio = ratios[ratios.Count / 2];
            var allocatedPerOperation = (double)allocated / ((Rounds + 2) * (long)operations);
            output.WriteLine(string.Create(
                culture,
                $"| {size / 1024} KiB | {Median(floor):N2} µs | {Median(verify):N2} µs | {ratio:N3} | {ratios[Rounds / 10]:N3}–{ratios[Rounds * 9 / 10]:N3} | {allocatedPerOperation:N1} B | ≤ 1.10, 0 B | {(ratio <= 1.10 && allocated == 0 ? "yes" : "**no**")} |"));
        }
    }

    private static void WarmUp(WebhookVerifierBenchmarks benchmarks)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < _warmup)
        {
            benchmarks.HashDataFloor();
            benchmarks.Verify();
        }
    }

    private static int Calibrate(WebhookVerifierBenchmarks benchmarks)
    {
        var started = Stopwatch.GetTimestamp();
        var operations = 0;
        while (Stopwatch.GetElapsedTime(started) < _blockTarget)
        {
            benchmarks.HashDataFloor();
            operations++;
        }

        return Math.Max(operations, 1);
    }

    /// <returns>Microseconds per operation.</returns>
    private static double TimeFloor(WebhookVerifierBenchmarks benchmarks, int operations)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            benchmarks.HashDataFloor();
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / operations;
    }

    private static double TimeVerify(WebhookVerifierBenchmarks benchmarks, int operations, ref long allocated)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            benchmarks.Verify();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return elapsed.TotalMicroseconds / operations;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
