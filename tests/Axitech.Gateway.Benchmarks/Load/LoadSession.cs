using System.Globalization;
using System.Net;
using System.Text;
using Axitech.Gateway.Pipeline;
using Axitech.Webhooks;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Drives the three hosts: checks that the set-up means something (the gateway verifies, deduplicates and forwards;
/// plain YARP forwards), then runs the comparison or the soak.
/// </summary>
internal sealed class LoadSession
{
    /// <summary>
    /// First guesses of the peak rate per body size, to size the first signed tables; then the highest rate seen.
    /// A table that runs out stops wrk's thread, and the pair is run again with a larger one.
    /// </summary>
    private const double InitialRateGuess1KiB = 20_000;
    private const double InitialRateGuessLarge = 3_000;
    private const double TableMargin = 1.6;

    private static readonly TimeSpan _settle = TimeSpan.FromMilliseconds(300);

    private readonly LoadOptions _options;
    private readonly string _directory;
    private readonly string _script;
    private readonly HostProcess _upstream;
    private readonly HostProcess _gateway;
    private readonly HostProcess _baseline;
    private int _tableNumber;

    public LoadSession(LoadOptions options, string directory, HostProcess upstream, HostProcess gateway, HostProcess baseline)
    {
        _options = options;
        _directory = directory;
        _upstream = upstream;
        _gateway = gateway;
        _baseline = baseline;
        _script = Wrk.WriteScript(directory);
    }

    /// <summary>
    /// One signed delivery through each host, a repeat and a tampered copy through the gateway: if these do not behave,
    /// no number measured afterwards means anything.
    /// </summary>
    public async Task SmokeTestAsync()
    {
        var body = CreateBody(1024);
        var table = new SignedRequestTable(body);
        var target = LoadHost.RoutePath + "?n=smoke";
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var signature = table.Sign(target, timestamp);
        using var client = new HttpClient();

        async Task ExpectAsync(HostProcess host, byte[] content, HttpStatusCode status, long forwarded, bool duplicate, string what)
        {
            var before = await _upstream.StatsAsync();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{host.Port}{target}")) { Content = new ByteArrayContent(content) };
            request.Headers.Add(AxitechSignature.SignatureHeaderName, signature);
            request.Headers.Add(AxitechSignature.TimestampHeaderName, timestamp);
            using var response = await client.SendAsync(request);
            var after = await _upstream.StatsAsync();
            for (var wait = 0; host == _gateway && _options.ContestantQueues && after.Requests - before.Requests < forwarded && wait < 100; wait++)
            {
                // A queued route delivers after its 202, through its workers.
                await Task.Delay(50);
                after = await _upstream.StatsAsync();
            }

            var isDuplicate = response.Headers.TryGetValues(GatewayHeaders.Duplicate, out var values) && values.Contains("true");
            if (response.StatusCode != status || after.Requests - before.Requests != forwarded || isDuplicate != duplicate)
            {
                throw new InvalidOperationException(
                    $"Smoke test failed, {what}: answered {(int)response.StatusCode} (duplicate header: {isDuplicate}) and forwarded {after.Requests - before.Requests}; "
                    + $"expected {(int)status}, duplicate header {duplicate}, forwarded {forwarded}.");
            }
        }

        var tampered = (byte[])body.Clone();
        tampered[^2] ^= 1;
        if (_options.Contestant == "gateway")
        {
            await ExpectAsync(_gateway, body, _options.ContestantQueues ? HttpStatusCode.Accepted : HttpStatusCode.OK, 1, duplicate: false, "a signed delivery through the gateway");
            if (_options.GatewaySettings.Count == 0)
            {
                // An attribution run may switch duplicate protection off; the gateway as shipped answers a repeat itself.
                await ExpectAsync(_gateway, body, HttpStatusCode.OK, 0, duplicate: true, "its repeat through the gateway");
            }

            await ExpectAsync(_gateway, tampered, HttpStatusCode.Unauthorized, 0, duplicate: false, "a tampered copy through the gateway");
        }

        // The floor proxy, wherever it stands, verifies and deduplicates too: a repeat is not forwarded (409, bare).
        var floor = _options.Contestant == "floor" ? _gateway : _options.Baseline == "floor" ? _baseline : null;
        if (floor is not null)
        {
            await ExpectAsync(floor, body, HttpStatusCode.OK, 1, duplicate: false, "a signed delivery through the floor proxy");
            await ExpectAsync(floor, body, HttpStatusCode.Conflict, 0, duplicate: false, "its repeat through the floor proxy");
            await ExpectAsync(floor, tampered, HttpStatusCode.Unauthorized, 0, duplicate: false, "a tampered copy through the floor proxy");
        }

        if (_options.Baseline == "plain")
        {
            await ExpectAsync(_baseline, body, HttpStatusCode.OK, 1, duplicate: false, "a delivery through plain YARP");
        }

        if (_options.Baseline == "gateway")
        {
            await ExpectAsync(_baseline, body, HttpStatusCode.OK, 1, duplicate: false, "a signed delivery through the gateway as shipped");
            await ExpectAsync(_baseline, body, HttpStatusCode.OK, 0, duplicate: true, "its repeat through the gateway as shipped");
            await ExpectAsync(_baseline, tampered, HttpStatusCode.Unauthorized, 0, duplicate: false, "a tampered copy through the gateway as shipped");
        }

        Progress($"Smoke test passed: the {_options.ContestantName} forwards a signed delivery, does not forward its repeat and refuses a tampered copy; {_options.Baseline switch { "plain" => "plain YARP forwards", "gateway" => "so does the gateway as shipped", _ => "so does the floor proxy" }}.");
    }

    /// <summary>
    /// Gateway against plain YARP (or either against the floor proxy: <see cref="LoadOptions.Contestant"/>,
    /// <see cref="LoadOptions.Baseline"/>), for each body size: peak rounds, then paced rounds at 50% of the baseline's peak.
    /// </summary>
    public async Task<IReadOnlyList<SizeResult>> CompareAsync()
    {
        var results = new List<SizeResult>();
        foreach (var size in _options.BodySizes)
        {
            var body = CreateBody(size);
            var bodyPath = Path.Combine(_directory, $"body-{size}.json");
            await File.WriteAllBytesAsync(bodyPath, body);
            var table = new SignedRequestTable(body);
            var hmacMicroseconds = HmacFloor.MeasureMicroseconds(size);
            Progress($"{Size(size)}: one-shot HMACSHA256.HashData over the signed message, measured alone: {hmacMicroseconds:N2} µs");
            var rateFloor = size <= 4096 ? InitialRateGuess1KiB : InitialRateGuessLarge;
            var expectedRate = rateFloor;

            // Warm-up, not reported: connection pools, buffer pools, and above all tiered compilation. On 2 busy cores the
            // JIT's background thread takes tens of seconds to finish re-compiling the hot paths (instrumented tier, then
            // optimized tier 1); rounds measured before that measure the JIT, and penalise the proxy with more code. So
            // warm-up rounds repeat until neither proxy spent more than 1% of a round compiling (or the cap is reached).
            var maxWarmupRounds = results.Count == 0 ? _options.MaxWarmupRounds : Math.Min(3, _options.MaxWarmupRounds);
            for (var round = 1; ; round++)
            {
                var warmup = await RunPairAsync(table, bodyPath, size, expectedRate, _options.Warmup, gatewayFirst: round % 2 == 0, rate: null);
                expectedRate = Math.Max(rateFloor / 2, Math.Max(warmup.Baseline.Wrk.RequestsPerSecond, warmup.Gateway.Wrk.RequestsPerSecond));
                var jitBudget = _options.Warmup.TotalMicroseconds / 100;
                var settled = warmup.Baseline.JitMicroseconds <= jitBudget && warmup.Gateway.JitMicroseconds <= jitBudget;
                Progress($"{Size(size)} warm-up round {round}: JIT compiled {_options.BaselineName} {warmup.Baseline.JitMethods:N0} methods in {warmup.Baseline.JitMicroseconds / 1000.0:N0} ms, {_options.ContestantName} {warmup.Gateway.JitMethods:N0} in {warmup.Gateway.JitMicroseconds / 1000.0:N0} ms{(settled ? "; settled" : string.Empty)}");
                if (settled || round >= maxWarmupRounds)
                {
                    break;
                }
            }

            await _baseline.AllocationsAsync(reset: true);
            await _gateway.AllocationsAsync(reset: true);
            var peak = new List<RoundPair>();
            for (var round = 0; round < _options.Rounds; round++)
            {
                var pair = await RunPairAsync(table, bodyPath, size, expectedRate, _options.RoundDuration, gatewayFirst: round % 2 == 1, rate: null);
                peak.Add(pair);
                expectedRate = Math.Max(expectedRate, Math.Max(pair.Baseline.Wrk.RequestsPerSecond, pair.Gateway.Wrk.RequestsPerSecond));
                Progress($"{Size(size)} peak round {round + 1}/{_options.Rounds}: {_options.BaselineName} {pair.Baseline.Wrk.RequestsPerSecond:N0} req/s, {_options.ContestantName} {pair.Gateway.Wrk.RequestsPerSecond:N0} req/s");
            }

            var baselineAllocations = await _baseline.AllocationsAsync();
            var gatewayAllocations = await _gateway.AllocationsAsync();
            var plainPeak = Statistics.Median(peak.Select(p => p.Baseline.Wrk.RequestsPerSecond));
            var pacedTarget = plainPeak / 2;
            var paced = new List<RoundPair>();
            for (var round = 0; round < _options.PacedRounds; round++)
            {
                var pair = await RunPairAsync(table, bodyPath, size, pacedTarget, _options.RoundDuration, gatewayFirst: round % 2 == 0, pacedTarget);
                paced.Add(pair);
                Progress($"{Size(size)} paced round {round + 1}/{_options.PacedRounds} (target {pacedTarget:N0} req/s): {_options.BaselineName} p99 {pair.Baseline.Wrk.P99Microseconds / 1000.0:N2} ms, {_options.ContestantName} p99 {pair.Gateway.Wrk.P99Microseconds / 1000.0:N2} ms");
            }

            // Not a target but a control for the p99 one: at 50% of plain YARP's peak the gateway, whose own peak is lower,
            // is busier than plain YARP is. Plain YARP paced at the same share of its own peak (50% / the throughput ratio)
            // shows how much of the p99 difference that alone accounts for (here, little: tests/Axitech.Gateway.Benchmarks/README.md).
            var ratio = Statistics.Median(peak.Select(p => p.ThroughputRatio));
            var equalLoadRate = ratio > 0 ? Math.Min(pacedTarget / ratio, plainPeak) : pacedTarget;
            var equalLoad = new List<Measurement>();
            var equalLoadRounds = _options.PacedRounds > 0 ? _options.EqualLoadRounds : 0;
            for (var round = 0; round < equalLoadRounds; round++)
            {
                var prefix = WriteTable(table, equalLoadRate, _options.RoundDuration);
                try
                {
                    var baseline = await MeasureAsync(_baseline, size, prefix, bodyPath, _options.RoundDuration, equalLoadRate);
                    equalLoad.Add(baseline);
                    Progress($"{Size(size)} control round {round + 1}/{equalLoadRounds}: {_options.BaselineName} paced at {equalLoadRate:N0} req/s, p99 {baseline.Wrk.P99Microseconds / 1000.0:N2} ms");
                }
                finally
                {
                    DeleteTable(prefix);
                }
            }

            results.Add(new SizeResult(size, peak, paced, pacedTarget, equalLoad, equalLoadRate, baselineAllocations, gatewayAllocations, hmacMicroseconds));
        }

        return results;
    }

    /// <summary>
    /// The gateway alone under sustained load, in slices: four at full speed (the first ones slower, while the JIT
    /// settles), then the rest paced at <see cref="LoadOptions.SoakLoadShare"/> of the fastest one's throughput; first
    /// until its duplicate store holds a steady number of entries (every entry lives tolerance + margin, so the
    /// full-speed slices' entries are gone by then too), then <see cref="LoadOptions.SoakDuration"/> of samples of its
    /// memory. The next slice's table is signed while the current one runs, so the load does not pause.
    /// </summary>
    /// <remarks>
    /// Paced, because at full speed the rate follows the machine's speed and the JIT's progress, and with it the
    /// store's steady size (rate × lifetime): in one run the measured slices, faster than the fill's first ones, raised
    /// the store's high-water mark past a doubling of its tables (+51 MB of RSS at once), which is more deliveries
    /// held, not memory leaking. At a fixed rate the store's size is settled by the end of the fill, and what RSS does
    /// afterwards is the gateway's own.
    /// </remarks>
    public async Task<SoakResult> SoakAsync()
    {
        var size = _options.SoakBodyBytes;
        var body = CreateBody(size);
        var bodyPath = Path.Combine(_directory, $"body-{size}.json");
        await File.WriteAllBytesAsync(bodyPath, body);
        var table = new SignedRequestTable(body);
        var slice = _options.SoakSlice;
        const int FullSpeedSlices = 4;
        var fillSlices = FullSpeedSlices + (int)Math.Ceiling((_options.SoakTolerance + _options.SoakExpiryMargin + slice).TotalSeconds / slice.TotalSeconds);
        var measuredSlices = (int)Math.Ceiling(_options.SoakDuration.TotalSeconds / slice.TotalSeconds);
        var expectedRate = InitialRateGuess1KiB;
        double? pacedRate = null;
        var fullSpeed = 0.0;

        var next = Task.FromResult(WriteTable(table, expectedRate, slice));
        var samples = new List<SoakSample>();
        HostStats? start = null;
        for (var i = 0; i < fillSlices + measuredSlices; i++)
        {
            var prefix = await next;

            // Signed now, sent during the next slice: dated at the start of that slice, so that a slow signing on a
            // busy machine does not age the rows past the (short) tolerance. Future timestamps within it are fresh.
            var rate = expectedRate;
            next = Task.Run(() => WriteTable(table, rate, slice, dateAhead: slice));
            var measurement = await MeasureAsync(_gateway, size, prefix, bodyPath, slice, pacedRate);
            DeleteTable(prefix);
            if (i < FullSpeedSlices)
            {
                fullSpeed = Math.Max(fullSpeed, measurement.Wrk.RequestsPerSecond);
                pacedRate = i == FullSpeedSlices - 1 ? _options.SoakLoadShare * fullSpeed : null;
            }

            if (measurement.Problem is null)
            {
                expectedRate = Math.Max(expectedRate, measurement.Wrk.RequestsPerSecond);
            }

            var measured = i >= fillSlices;
            if (i == fillSlices - 1)
            {
                start = measurement.After;
            }

            if (measured)
            {
                samples.Add(new SoakSample((i - fillSlices + 1) * slice, measurement));
            }

            Progress($"Soak at {(i + 1) * slice.TotalSeconds:N0} s ({(measured ? "measured" : "filling the store")}{(i >= FullSpeedSlices ? $", paced at {pacedRate:N0} req/s" : ", full speed")}): {measurement.Wrk.RequestsPerSecond:N0} req/s, RSS {Statistics.Megabytes(measurement.After.WorkingSetBytes):N1} MB, store {measurement.After.StoreEntries:N0} entries{(measurement.Problem is null ? string.Empty : " — " + measurement.Problem)}");
        }

        DeleteTable(await next);

        // Only now, with the load stopped: a full collection before the measured slices would change the RSS they
        // are compared with.
        return new SoakResult(start!, samples, await _gateway.LiveHeapAsync(), _options);
    }

    private async Task<RoundPair> RunPairAsync(SignedRequestTable table, string bodyPath, int size, double expectedRate, TimeSpan duration, bool gatewayFirst, double? rate)
    {
        for (var attempt = 1; ; attempt++)
        {
            var pair = await RunPairOnceAsync(table, bodyPath, size, expectedRate, duration, gatewayFirst, rate);
            if ((pair.Baseline.Wrk.ExhaustedThreads == 0 && pair.Gateway.Wrk.ExhaustedThreads == 0) || attempt == 3)
            {
                return pair;
            }

            // Faster than the table was sized for: those runs stopped early. Again, with room to spare.
            expectedRate = 2 * Math.Max(expectedRate, Math.Max(pair.Baseline.Wrk.RequestsPerSecond, pair.Gateway.Wrk.RequestsPerSecond));
            Progress($"{Size(size)}: the signed table ran out; running the pair again with a larger one.");
        }
    }

    private async Task<RoundPair> RunPairOnceAsync(SignedRequestTable table, string bodyPath, int size, double expectedRate, TimeSpan duration, bool gatewayFirst, double? rate)
    {
        // One table for both: plain YARP does not deduplicate, and the gateway sees each row once.
        var prefix = WriteTable(table, rate ?? expectedRate, duration);
        try
        {
            if (gatewayFirst)
            {
                var gateway = await MeasureAsync(_gateway, size, prefix, bodyPath, duration, rate);
                return new RoundPair(await MeasureAsync(_baseline, size, prefix, bodyPath, duration, rate), gateway);
            }

            var baseline = await MeasureAsync(_baseline, size, prefix, bodyPath, duration, rate);
            return new RoundPair(baseline, await MeasureAsync(_gateway, size, prefix, bodyPath, duration, rate));
        }
        finally
        {
            DeleteTable(prefix);
        }
    }

    private async Task<Measurement> MeasureAsync(HostProcess host, int size, string tablePrefix, string bodyPath, TimeSpan duration, double? rate)
    {
        var upstreamBefore = await _upstream.StatsAsync();
        var before = await host.StatsAsync();
        var machineBefore = MachineCpu.Read();
        var wrk = await Wrk.RunAsync(_script, host.Url, _options.Threads, _options.Connections, duration, tablePrefix, bodyPath, rate);
        var machine = MachineCpu.Read() - machineBefore;

        // Requests still in flight when wrk stopped finish before the counts are read. A queued route's deliveries
        // reach the upstream through its workers: the round ends when the upstream has them all, so that the backlog
        // does not load the next round's contestant.
        await Task.Delay(_settle);
        var after = await host.StatsAsync();
        var upstreamAfter = await _upstream.StatsAsync();
        if (host == _gateway && _options.ContestantQueues)
        {
            // Up to one request a connection was accepted when wrk stopped without wrk counting it: the round ends once
            // the upstream has every counted one and then nothing more arrives for half a second.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            var quietSince = DateTime.UtcNow;
            var seen = upstreamAfter.Requests;
            while (DateTime.UtcNow < deadline
                && (upstreamAfter.Requests - upstreamBefore.Requests < wrk.Requests || DateTime.UtcNow - quietSince < TimeSpan.FromMilliseconds(500)))
            {
                await Task.Delay(50);
                upstreamAfter = await _upstream.StatsAsync();
                if (upstreamAfter.Requests != seen)
                {
                    seen = upstreamAfter.Requests;
                    quietSince = DateTime.UtcNow;
                }
            }
        }

        var measurement = Measurement.Create(host.Role, size, _options.Connections, wrk, machine, before, after, upstreamBefore, upstreamAfter);
        if (measurement.Problem is not null)
        {
            Progress($"WARNING: {host.Role}, {Size(size)}: {measurement.Problem}.");
        }

        return measurement;
    }

    private string WriteTable(SignedRequestTable table, double expectedRate, TimeSpan duration, TimeSpan dateAhead = default)
    {
        var prefix = Path.Combine(_directory, $"table-{Interlocked.Increment(ref _tableNumber)}");
        var rowsPerThread = (int)Math.Ceiling(expectedRate * TableMargin * duration.TotalSeconds / _options.Threads) + 1000;
        table.Write(prefix, _options.Threads, rowsPerThread, TimeProvider.System.GetUtcNow() + dateAhead);
        return prefix;
    }

    private void DeleteTable(string prefix)
    {
        for (var thread = 0; thread < _options.Threads; thread++)
        {
            File.Delete($"{prefix}.{thread.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>A JSON event of exactly <paramref name="size"/> bytes, shaped like the vendor's.</summary>
    private static byte[] CreateBody(int size)
    {
        const string Head = "{\"event_type\":\"session.submitted\",\"data\":{\"sessionId\":\"bench\",\"notes\":\"";
        const string Tail = "\"}}";
        var json = new StringBuilder(size).Append(Head);
        while (json.Length < size - Tail.Length)
        {
            json.Append((char)('a' + (json.Length % 26)));
        }

        var text = json.Append(Tail).ToString();
        return Encoding.UTF8.GetBytes(text.Length <= size ? text : text[..size]);
    }

    internal static string Size(int bytes) => bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} B";

    private static void Progress(string message) => Console.Error.WriteLine($"[load] {message}");
}
