using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>The markdown tables the load benchmark prints, with the ratios against the targets of issues 6 and 15.</summary>
internal static class LoadReport
{
    // Issue 15's ratios: 1 KiB against plain YARP, 256 KiB against the floor proxy; 256 KiB against plain YARP, the
    // allocation and the RSS are issue 6's.
    private const double SmallBodyRatioGoal = 0.95;
    private const double LargeBodyRatioGoal = 0.80;
    private const double LargeBodyRatioAgainstFloorGoal = 0.97;
    private const double AddedP99GoalMilliseconds = 1.0;
    private const double AddedAllocationGoalBytes = 1024;
    private const double RssGrowthGoal = 0.10;

    private static readonly CultureInfo _culture = CultureInfo.InvariantCulture;

    public static void PrintHeader(TextWriter output, LoadOptions options, string loadAverageAtStart)
    {
        output.WriteLine();
        output.WriteLine($"Machine: {MachineInfo.Describe()}; load average {loadAverageAtStart} at the start, {MachineInfo.LoadAverage()} at the end (the run itself accounts for about 2).");
        output.WriteLine(F(
            $"Load: wrk -t{options.Threads} -c{options.Connections}; every request a distinct signed delivery (own target, fresh timestamp, own signature); proxies in separate processes with server GC{(options.Soak ? string.Empty : " (DATAS off, for allocation counts that hold)")}; plain YARP logs at Warning, the gateway as shipped (Information, its audit category at Warning, console to a drained stdout)."));
        if (options.Contestant == "floor" || options.Baseline == "floor")
        {
            output.WriteLine("Floor proxy: plain YARP plus only what verifying needs (body read into a pooled buffer, one HMAC, a constant-time compare, an in-memory duplicate-store claim and completion, the gateway's forwarding from the buffer); no telemetry, no logging, no other checks.");
        }

        if (options.Contestant != "gateway")
        {
            return;
        }

        output.WriteLine(options.GatewayTelemetry
            ? "Gateway as shipped: verification, in-memory duplicate store, OpenTelemetry metrics (Prometheus scrape endpoint idle); no OTLP endpoint configured, so no spans are recorded."
            : "ATTRIBUTION RUN: the gateway with OTEL_SDK_DISABLED=true (no OpenTelemetry traces or metrics); not the gateway as shipped.");
        if (options.GatewaySettings.Count > 0)
        {
            output.WriteLine("ATTRIBUTION RUN: the gateway with " + string.Join(", ", options.GatewaySettings.Select(s => $"`{s}`")) + "; not the gateway as shipped.");
        }
    }

    public static void PrintComparison(TextWriter output, LoadOptions options, IReadOnlyList<SizeResult> results)
    {
        output.WriteLine(F(
            $"Rounds: {options.Rounds} peak rounds and {options.PacedRounds} paced rounds of {options.RoundDuration.TotalSeconds:N0} s per size, {options.BaselineName} and {options.ContestantName} interleaved (order alternating), after warm-up rounds of {options.Warmup.TotalSeconds:N0} s each, repeated until neither proxy spent more than 1% of a round in the JIT (at most {options.MaxWarmupRounds}); then {(options.PacedRounds > 0 ? options.EqualLoadRounds : 0)} control rounds of {options.BaselineName} alone, paced as busy as the {options.ContestantName} was."));
        var targets = new List<string>();
        var (c, b) = (options.ContestantName, options.BaselineName);
        foreach (var size in results)
        {
            var name = LoadSession.Size(size.BodyBytes);
            var plainRps = Statistics.Median(size.Peak.Select(p => p.Baseline.Wrk.RequestsPerSecond));
            var gatewayRps = Statistics.Median(size.Peak.Select(p => p.Gateway.Wrk.RequestsPerSecond));
            var ratio = Statistics.Median(size.Peak.Select(p => p.ThroughputRatio));
            var plainAlloc = PerRequest(size.Peak.Select(p => p.Baseline), r => r.AllocatedBytes);
            var gatewayAlloc = PerRequest(size.Peak.Select(p => p.Gateway), r => r.AllocatedBytes);
            var addedP99 = Statistics.Median(size.Paced.Select(p => p.AddedP99Milliseconds));
            var plainCpu = PerRequest(size.Peak.Select(p => p.Baseline), r => r.CpuMicroseconds);
            var gatewayCpu = PerRequest(size.Peak.Select(p => p.Gateway), r => r.CpuMicroseconds);
            var plainMachine = PerRequest(size.Peak.Select(p => p.Baseline), r => r.Machine.BusyMicroseconds);
            var gatewayMachine = PerRequest(size.Peak.Select(p => p.Gateway), r => r.Machine.BusyMicroseconds);

            output.WriteLine();
            output.WriteLine($"### {name} bodies");
            output.WriteLine();
            output.WriteLine($"| | {b} | {c} | {c} vs {b} |");
            output.WriteLine("|---|---:|---:|---:|");
            output.WriteLine(F($"| Throughput at peak (median of {size.Peak.Count}) | {plainRps:N0} req/s | {gatewayRps:N0} req/s | ×{ratio:N3} (median of per-round ratios) |"));
            output.WriteLine(F($"| p50 / p99 at peak | {Latency(size.Peak.Select(p => p.Baseline))} | {Latency(size.Peak.Select(p => p.Gateway))} | |"));
            output.WriteLine(F($"| Paced at 50% of {b}'s peak ({size.PacedTargetRate:N0} req/s): achieved | {Statistics.Median(size.Paced.Select(p => p.Baseline.Wrk.RequestsPerSecond)):N0} req/s | {Statistics.Median(size.Paced.Select(p => p.Gateway.Wrk.RequestsPerSecond)):N0} req/s | |"));
            output.WriteLine(F($"| Paced p50 / p99 | {Latency(size.Paced.Select(p => p.Baseline))} | {Latency(size.Paced.Select(p => p.Gateway))} | p99 {addedP99:+0.00;-0.00;0.00} ms |"));
            if (size.EqualLoad.Count > 0)
            {
                var gatewayPacedP99 = Statistics.Median(size.Paced.Select(p => p.Gateway.Wrk.P99Microseconds / 1000.0));
                var equalLoadP99 = Statistics.Median(size.EqualLoad.Select(r => r.Wrk.P99Microseconds / 1000.0));
                output.WriteLine(F($"| Control: {b} paced at {size.EqualLoadRate:N0} req/s, {size.EqualLoadRate / plainRps:P0} of its peak, as busy as the {c} when paced (50% / ×{ratio:N3}): p50 / p99 | {Latency(size.EqualLoad)} | | {c}'s paced p99 {gatewayPacedP99 - equalLoadP99:+0.00;-0.00;0.00} ms from it |"));
            }

            output.WriteLine(F($"| Allocated per forwarded request (peak rounds) | {Kib(plainAlloc)} | {Kib(gatewayAlloc)} | {(gatewayAlloc - plainAlloc) / 1024:+0.00;-0.00;0.00} KiB |"));
            output.WriteLine(F($"| CPU per forwarded request (peak rounds; the process's user + system time) | {plainCpu:N1} µs | {gatewayCpu:N1} µs | {gatewayCpu - plainCpu:+0.0;-0.0;0.0} µs (×{gatewayCpu / plainCpu:N2}) |"));
            output.WriteLine(F($"| Machine CPU per forwarded request (peak rounds; every process and the kernel, /proc/stat) | {plainMachine:N1} µs | {gatewayMachine:N1} µs | {gatewayMachine - plainMachine:+0.0;-0.0;0.0} µs |"));
            output.WriteLine(F($"| CPU stolen by other guests during the peak rounds (share of the cores' time) | {Steal(size.Peak.Select(p => p.Baseline))} | {Steal(size.Peak.Select(p => p.Gateway))} | |"));
            output.WriteLine(options.Baseline == "floor"
                ? F($"| A one-shot HMAC over the signed message, measured alone (both pay it) | | {size.HmacMicroseconds:N1} µs | |")
                : F($"| Floor: a one-shot HMAC over the signed message, measured alone | | {size.HmacMicroseconds:N1} µs | ×{plainMachine / (plainMachine + size.HmacMicroseconds):N3} if the {c} added only that |"));
            output.WriteLine(F($"| JIT during the peak rounds (methods compiled, time) | {Jit(size.Peak.Select(p => p.Baseline))} | {Jit(size.Peak.Select(p => p.Gateway))} | |"));
            output.WriteLine(F($"| GC pauses during the peak rounds (total, gen2 count) | {GcPauses(size.Peak.Select(p => p.Baseline))} | {GcPauses(size.Peak.Select(p => p.Gateway))} | |"));
            output.WriteLine(F($"| RSS after the rounds | {Statistics.Megabytes(size.Peak[^1].Baseline.After.WorkingSetBytes):N0} MB | {Statistics.Megabytes(size.Peak[^1].Gateway.After.WorkingSetBytes):N0} MB | |"));
            output.WriteLine();
            output.WriteLine($"Peak rounds ({b} / {c} req/s, ratio): " + string.Join("; ", size.Peak.Select(p => F($"{p.Baseline.Wrk.RequestsPerSecond:N0} / {p.Gateway.Wrk.RequestsPerSecond:N0} (×{p.ThroughputRatio:N3})"))) + ".");
            output.WriteLine($"Paced rounds ({b} / {c} p99 ms): " + string.Join("; ", size.Paced.Select(p => F($"{p.Baseline.Wrk.P99Microseconds / 1000.0:N2} / {p.Gateway.Wrk.P99Microseconds / 1000.0:N2}"))) + ".");
            if (size.EqualLoad.Count > 0)
            {
                output.WriteLine($"Control rounds ({b} p99 ms): " + string.Join("; ", size.EqualLoad.Select(r => F($"{r.Wrk.P99Microseconds / 1000.0:N2}"))) + ".");
            }

            PrintAllocations(output, b, size.BaselineAllocations, size.Peak.Sum(p => p.Baseline.Forwarded));
            PrintAllocations(output, c, size.GatewayAllocations, size.Peak.Sum(p => p.Gateway.Forwarded));

            var ratioGoal = size.BodyBytes <= 4096 ? SmallBodyRatioGoal
                : options.Baseline == "floor" ? LargeBodyRatioAgainstFloorGoal : LargeBodyRatioGoal;
            targets.Add(Target($"Throughput ratio {c} / {b}, {name}", F($"≥ {ratioGoal:N2}"), F($"{ratio:N3}"), ratio >= ratioGoal));
            targets.Add(Target($"p99 added at 50% of {b}'s peak, {name}", F($"≤ {AddedP99GoalMilliseconds:N0} ms"), F($"{addedP99:+0.00;-0.00;0.00} ms"), addedP99 <= AddedP99GoalMilliseconds));
            targets.Add(Target($"Allocated per request over {b}, {name}", "≤ +1 KiB", F($"{(gatewayAlloc - plainAlloc) / 1024:+0.00;-0.00;0.00} KiB"), gatewayAlloc - plainAlloc <= AddedAllocationGoalBytes));
        }

        targets.Add("| RSS growth over a 2-minute sustained run | ≤ 10% | see `load --soak` | – |");
        PrintTargets(output, targets, options.Contestant == "gateway" && options.Baseline == "plain" ? null : $"the {c} against {b}, not the gateway against plain YARP");
        PrintChecks(output, [.. results.SelectMany(r => r.Peak.Concat(r.Paced)).SelectMany(p => new[] { p.Baseline, p.Gateway }), .. results.SelectMany(r => r.EqualLoad)]);
    }

    public static void PrintSoak(TextWriter output, SoakResult soak)
    {
        var options = soak.Options;
        output.WriteLine();
        output.WriteLine(F(
            $"### Soak: the gateway under sustained load ({options.SoakLoadShare:P0} of its full-speed throughput), {LoadSession.Size(options.SoakBodyBytes)} bodies, {options.SoakDuration.TotalSeconds:N0} s measured in {options.SoakSlice.TotalSeconds:N0} s slices"));
        output.WriteLine();
        output.WriteLine(F(
            $"Policy Tolerance {options.SoakTolerance.TotalSeconds:N0} s and Deduplication:ExpiryMargin {options.SoakExpiryMargin.TotalSeconds:N0} s, so that each entry lives {(options.SoakTolerance + options.SoakExpiryMargin).TotalSeconds:N0} s and the duplicate store reaches its steady size (rate × lifetime) during the unmeasured fill before the run; the store is swept every 10 s."));
        output.WriteLine();
        output.WriteLine("| Time | Throughput | RSS | GC heap | Store entries |");
        output.WriteLine("|---:|---:|---:|---:|---:|");
        output.WriteLine(F($"| start | | {Statistics.Megabytes(soak.Start.WorkingSetBytes):N1} MB | {Statistics.Megabytes(soak.Start.HeapSizeBytes):N1} MB | {soak.Start.StoreEntries:N0} |"));
        foreach (var sample in soak.Samples)
        {
            var after = sample.Measurement.After;
            output.WriteLine(F($"| {sample.Elapsed.TotalSeconds:N0} s | {sample.Measurement.Wrk.RequestsPerSecond:N0} req/s | {Statistics.Megabytes(after.WorkingSetBytes):N1} MB | {Statistics.Megabytes(after.HeapSizeBytes):N1} MB | {after.StoreEntries:N0} |"));
        }

        output.WriteLine();
        output.WriteLine(F(
            $"GC heap after a full, blocking collection once the load had stopped: {Statistics.Megabytes(soak.LiveHeapAtEnd.HeapBytes):N1} MB, with {soak.LiveHeapAtEnd.StoreEntries:N0} entries in the store (the heap at the start, {Statistics.Megabytes(soak.Start.HeapSizeBytes):N1} MB, is as the last collection left it, garbage included)."));
        PrintTargets(output, [Target("RSS growth over the sustained run (peak sample vs start)", "≤ 10%", F($"{soak.PeakGrowth:+0.0%;-0.0%;0.0%} (final {soak.FinalGrowth:+0.0%;-0.0%;0.0%})"), soak.PeakGrowth <= RssGrowthGoal)]);
        PrintChecks(output, soak.Samples.Select(s => s.Measurement).ToList());
    }

    private static void PrintTargets(TextWriter output, IEnumerable<string> rows, string? measuredInstead = null)
    {
        output.WriteLine();
        output.WriteLine(measuredInstead is null ? "### Targets (issues 6 and 15)" : $"### The goals, applied to {measuredInstead}");
        output.WriteLine();
        output.WriteLine("| Target | Goal | Measured | Met |");
        output.WriteLine("|---|---|---:|:---:|");
        foreach (var row in rows)
        {
            output.WriteLine(row);
        }
    }

    private static void PrintChecks(TextWriter output, IReadOnlyList<Measurement> runs)
    {
        output.WriteLine();
        var invalid = runs.Where(r => r.Problem is not null).ToList();
        var requests = runs.Sum(r => r.Wrk.Requests);
        output.WriteLine(invalid.Count == 0
            ? F($"Checks: all {runs.Count} measured runs valid: {requests:N0} responses, none 4xx/5xx, no socket errors, and the upstream received every request wrk completed (and no more than those in flight), with every body byte.")
            : F($"Checks: {invalid.Count} of {runs.Count} runs are INVALID and their numbers mean little: ") + string.Join(" | ", invalid.Select(r => $"{r.Host}, {LoadSession.Size(r.BodyBytes)}: {r.Problem}")));
    }

    private static void PrintAllocations(TextWriter output, string host, IReadOnlyList<(string Type, long Bytes)> allocations, long requests)
    {
        if (allocations.Count == 0 || requests == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine($"Sampled allocations of {host} during the peak rounds (GCAllocationTick, one sample per ~100 KB; per request approximate):");
        output.WriteLine();
        output.WriteLine("| Type | Bytes per request |");
        output.WriteLine("|---|---:|");
        foreach (var (type, bytes) in allocations)
        {
            output.WriteLine(F($"| `{type}` | {(double)bytes / requests:N0} |"));
        }
    }

    /// <summary>A quantity summed over the runs, per request the upstream received in them.</summary>
    private static double PerRequest(IEnumerable<Measurement> runs, Func<Measurement, long> quantity)
    {
        var list = runs.ToList();
        var forwarded = list.Sum(r => r.Forwarded);
        return forwarded == 0 ? 0 : (double)list.Sum(quantity) / forwarded;
    }

    private static string Jit(IEnumerable<Measurement> runs)
    {
        var list = runs.ToList();
        return F($"{list.Sum(r => r.JitMethods):N0}, {list.Sum(r => r.JitMicroseconds) / 1000.0:N0} ms");
    }

    private static string Latency(IEnumerable<Measurement> runs)
    {
        var list = runs.ToList();
        return F($"{Statistics.Median(list.Select(r => r.Wrk.P50Microseconds / 1000.0)):N2} / {Statistics.Median(list.Select(r => r.Wrk.P99Microseconds / 1000.0)):N2} ms");
    }

    /// <summary>Steal time as a share of the time the machine's cores had while wrk ran.</summary>
    private static string Steal(IEnumerable<Measurement> runs)
    {
        var list = runs.ToList();
        var available = list.Sum(r => r.Wrk.DurationMicroseconds) * (double)Environment.ProcessorCount;
        return available <= 0 ? "–" : F($"{list.Sum(r => r.Machine.StealMicroseconds) / available:P1}");
    }

    private static string GcPauses(IEnumerable<Measurement> runs)
    {
        var list = runs.ToList();
        return F($"{list.Sum(r => r.GcPauseMicroseconds) / 1000.0:N0} ms, {list.Sum(r => r.Gen2Collections)}");
    }

    private static string Kib(double bytes) => F($"{bytes / 1024:N2} KiB");

    private static string Target(string name, string goal, string measured, bool met) => $"| {name} | {goal} | {measured} | {(met ? "yes" : "**no**")} |";

    private static string F(FormattableString text) => text.ToString(_culture);
}
