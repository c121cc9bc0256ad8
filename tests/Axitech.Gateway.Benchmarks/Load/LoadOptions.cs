using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The command line of <c>load</c>. The defaults finish in about 3½ minutes on a 2-core machine; <c>--soak</c> runs
/// the 2-minute memory run instead of the comparison (about 3½ minutes with the store's fill).
/// </summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        Usage: load [--soak] [--threads N] [--connections N] [--duration SECONDS] [--rounds N] [--paced-rounds N]
                    [--equal-load-rounds N] [--warmup SECONDS] [--max-warmup-rounds N] [--sizes BYTES,BYTES] [--soak-seconds N] [--soak-share S] [--allocations]
                    [--gateway-without-otel] [--gateway-setting KEY=VALUE]... [--contestant gateway|floor] [--baseline plain|floor|gateway]
          (default)   gateway vs plain YARP: interleaved peak rounds and paced rounds at 50% of plain YARP's peak,
                      for each body size (default 1024,262144)
          --soak      the gateway alone under sustained load for 2 minutes (after filling its duplicate store to
                      steady state), sampling its RSS every 10 seconds: four slices at full speed, then paced at
                      --soak-share (default 0.75) of the fastest one's throughput
          --equal-load-rounds N  rounds of plain YARP alone, paced at the same share of its peak as the gateway
                      has of its own in the paced rounds (default 2; 0 for none): a control for the p99 added
          --warmup SECONDS  the length of one warm-up round (default 3); warm-up rounds repeat until neither proxy
                      spent more than 1% of a round in the JIT, at most --max-warmup-rounds (default 15; 3 for the
                      second and later body sizes)
          --allocations  also list the types each proxy allocates most during the peak rounds (sampled)
          --gateway-without-otel  run the gateway with OTEL_SDK_DISABLED=true, to see what its telemetry costs
          --gateway-setting KEY=VALUE  one more configuration value for the gateway (repeatable), for attribution
                      runs, e.g. Webhooks:Policies:bench:Deduplication:Enabled=false
          --contestant floor / --baseline floor  put the floor proxy in the gateway's place / in plain YARP's: plain
                      YARP plus only what verifying needs (read the body into a buffer, one HMAC, a constant-time
                      compare, an in-memory duplicate-store round trip, forward from the buffer). Floor vs plain is
                      what verification itself costs on this machine; gateway vs floor is what the gateway adds to it
          --baseline gateway  the gateway as shipped in plain YARP's place, against the gateway with the
                      --gateway-setting values: one setting's cost in one run (e.g. ConnectionStrings:Redis=127.0.0.1:6379
                      against the in-memory store)
        """;

    public bool Soak { get; init; }

    public bool SampleAllocations { get; init; }

    /// <summary>Whether the gateway runs with its OpenTelemetry traces and metrics, as shipped. The default is true.</summary>
    public bool GatewayTelemetry { get; init; } = true;

    /// <summary>Extra configuration for the gateway (<c>Key=Value</c>), for attribution runs; none by default.</summary>
    public IReadOnlyList<string> GatewaySettings { get; init; } = [];

    /// <summary>The host measured against the baseline: <c>gateway</c> (the default) or <c>floor</c> (<see cref="FloorProxy"/>).</summary>
    public string Contestant { get; init; } = "gateway";

    /// <summary>The host it is measured against: <c>plain</c> YARP (the default) or <c>floor</c>.</summary>
    public string Baseline { get; init; } = "plain";

    /// <summary>The contestant's name in the report.</summary>
    public string ContestantName => Contestant == "floor" ? "floor proxy" : "gateway";

    /// <summary>The baseline's name in the report.</summary>
    public string BaselineName => Baseline switch { "floor" => "floor proxy", "gateway" => "gateway as shipped", _ => "plain YARP" };

    /// <summary>The load-host role of the baseline.</summary>
    public string BaselineRole => Baseline switch { "floor" => "floor", "gateway" => "gateway", _ => "baseline" };

    public int Threads { get; init; } = 2;

    public int Connections { get; init; } = 32;

    /// <summary>Short rounds, many of them: a neighbour's build that lands on one run spoils one ratio, not the median.</summary>
    public TimeSpan RoundDuration { get; init; } = TimeSpan.FromSeconds(3);

    public int Rounds { get; init; } = 6;

    public int PacedRounds { get; init; } = 4;

    /// <summary>
    /// Rounds of plain YARP alone at 50% of its peak divided by the throughput ratio: as busy, relative to its own peak,
    /// as the gateway is in the paced rounds. A control for the p99 target, not one of its numbers.
    /// </summary>
    public int EqualLoadRounds { get; init; } = 2;

    /// <summary>The length of one warm-up round of each proxy.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Warm-up rounds repeat until the JIT has settled, at most this many for the first body size (3 for the others).</summary>
    public int MaxWarmupRounds { get; init; } = 15;

    public IReadOnlyList<int> BodySizes { get; init; } = [1024, 256 * 1024];

    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan SoakSlice { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The soak's policy tolerance: entries live for tolerance + margin, so the store reaches its steady size (rate ×
    /// lifetime) before the measured 2 minutes start. With the default 5 minutes it would still be filling, and at
    /// 15,000 req/s a minute already holds 1,000,000 entries, the default MaxEntries.
    /// </summary>
    public TimeSpan SoakTolerance { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan SoakExpiryMargin { get; init; } = TimeSpan.FromSeconds(5);

    public int SoakBodyBytes { get; init; } = 1024;

    /// <summary>The soak's rate after its four full-speed slices, as a share of the fastest one's throughput.</summary>
    public double SoakLoadShare { get; init; } = 0.75;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);

            options = args[i] switch
            {
                "--soak" => options with { Soak = true },
                "--allocations" => options with { SampleAllocations = true },
                "--gateway-without-otel" => options with { GatewayTelemetry = false },
                "--gateway-setting" => options with { GatewaySettings = [.. options.GatewaySettings, Next()] },
                "--contestant" => options with { Contestant = Next() },
                "--baseline" => options with { Baseline = Next() },
                "--threads" => options with { Threads = NextInt() },
                "--connections" => options with { Connections = NextInt() },
                "--duration" => options with { RoundDuration = TimeSpan.FromSeconds(NextInt()) },
                "--rounds" => options with { Rounds = NextInt() },
                "--paced-rounds" => options with { PacedRounds = NextInt() },
                "--equal-load-rounds" => options with { EqualLoadRounds = NextInt() },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(NextInt()) },
                "--max-warmup-rounds" => options with { MaxWarmupRounds = NextInt() },
                "--sizes" => options with { BodySizes = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                "--soak-seconds" => options with { SoakDuration = TimeSpan.FromSeconds(NextInt()) },
                "--soak-share" => options with { SoakLoadShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        if (options.Threads < 1 || options.Connections < options.Threads || options.Rounds < 1 || options.BodySizes.Any(s => s is < 1 or > 1024 * 1024)
            || options.SoakLoadShare is <= 0 or > 1)
        {
            throw new ArgumentException("Need threads ≥ 1, connections ≥ threads, rounds ≥ 1, body sizes between 1 and 1048576 bytes and a soak share in (0, 1].");
        }

        if (options.Contestant is not ("gateway" or "floor") || options.Baseline is not ("plain" or "floor" or "gateway") || (options.Contestant == "floor" && options.Baseline != "plain")
            || (options.Soak && (options.Contestant != "gateway" || options.Baseline != "plain")))
        {
            throw new ArgumentException("--contestant is gateway or floor, --baseline plain, floor or gateway (the floor contestant against plain only), and neither with --soak.");
        }

        if (options.Baseline == "gateway" && options.GatewaySettings.Count == 0)
        {
            throw new ArgumentException("--baseline gateway compares the gateway with --gateway-setting values against the gateway as shipped: give at least one.");
        }

        if (options.Contestant != "gateway" && (options.GatewaySettings.Count > 0 || !options.GatewayTelemetry))
        {
            throw new ArgumentException("--gateway-setting and --gateway-without-otel change the gateway: with --contestant floor there is none to change.");
        }

        return options;
    }
}
