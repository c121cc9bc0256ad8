using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// A bounded soak against the built gateway as its own process: a paced load generator (several concurrent senders,
/// a steady rate) sends unique genuine deliveries from the vendor's address and 20% forgeries from another address,
/// with failure throttling on as in production. Runs in CI; locally <c>AXGW_SKIP_SOAK=1</c> skips it (ignored when
/// <c>CI</c> is set) and <c>AXGW_SOAK_SECONDS</c> changes its length (default 60).
/// </summary>
[Collection(nameof(SoakRunsAlone))]
public sealed partial class SoakTests(ITestOutputHelper output)
{
    private const int RatePerSecond = 200;
    private const int Senders = 8;
    private const string Target = TestGateway.ClaimsPath + "/soak";

    [Fact]
    public async Task SteadyLoadWithForgeries_HasNoErrorsOnAuthenticTraffic_FlatMemory_AndMetricsEqualToWhatWasSent()
    {
        Assert.SkipWhen(Environment.GetEnvironmentVariable("AXGW_SKIP_SOAK") == "1" && Environment.GetEnvironmentVariable("CI") is null, "AXGW_SKIP_SOAK=1 (the soak always runs where CI is set).");
        var duration = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("AXGW_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 60);

        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(upstream.Address);
        using var vendor = LoopbackHttpClient.Create(gateway.PublicPort, IPAddress.Parse("127.0.0.2"));
        using var attacker = LoopbackHttpClient.Create(gateway.PublicPort, IPAddress.Parse("127.0.0.3"));
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.ManagementPort}") };

        var authentic = new ConcurrentQueue<(byte[] Body, int Status, double Milliseconds)>();
        var forged = new ConcurrentQueue<(string Expected, int Status, string? Reason)>();
        var errors = new ConcurrentQueue<string>();
        var memory = new ConcurrentQueue<(double Second, long Rss, long Heap)>();
        var total = (int)(duration.TotalSeconds * RatePerSecond);
        var clock = Stopwatch.StartNew();

        var sampler = Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                memory.Enqueue((clock.Elapsed.TotalSeconds, gateway.ResidentBytes(), await GcHeapBytesAsync(management)));
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
        {
            for (var slot = sender; slot < total; slot += Senders)
            {
                var due = TimeSpan.FromSeconds((double)slot / RatePerSecond);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                try
                {
                    if (slot % 5 == 4)
                    {
                        var (kind, delivery) = Forgery(slot);
                        using var response = await attacker.SendAsync(delivery.ToHttpRequest(gateway.PublicPort));
                        var body = await response.Content.ReadAsByteArrayAsync();
                        forged.Enqueue((kind, (int)response.StatusCode, RawHttpResponse.ReasonOf(response.Content.Headers.ContentType?.MediaType, body)));
                    }
                    else
                    {
                        var delivery = SignedRequest.Create(Target);
                        var started = Stopwatch.GetTimestamp();
                        using var response = await vendor.SendAsync(delivery.ToHttpRequest(gateway.PublicPort));
                        authentic.Enqueue((delivery.Body, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    errors.Enqueue($"slot {slot}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        })));
        var sendingTook = clock.Elapsed;
        await sampler;
        memory.Enqueue((clock.Elapsed.TotalSeconds, gateway.ResidentBytes(), await GcHeapBytesAsync(management)));
        var metrics = await management.GetStringAsync("/metrics");

        var latencies = authentic.Select(a => a.Milliseconds).Order().ToList();
        var samples = memory.ToList();
        var warm = samples.First(s => s.Second >= Math.Min(10, duration.TotalSeconds / 3));
        var last = samples[^1];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Soak: {total} requests in {sendingTook.TotalSeconds:F1} s ({total / sendingTook.TotalSeconds:F0}/s target {RatePerSecond}/s) from {Senders} senders; {authentic.Count} authentic, {forged.Count} forged; {errors.Count} errors."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Authentic latency: p50 {Percentile(latencies, 0.5):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies.LastOrDefault():F1} ms."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Gateway RSS: warm {warm.Rss / 1048576.0:F1} MB at {warm.Second:F0} s, end {last.Rss / 1048576.0:F1} MB, max {samples.Max(s => s.Rss) / 1048576.0:F1} MB; GC heap after the last collection: warm {warm.Heap / 1048576.0:F1} MB, end {last.Heap / 1048576.0:F1} MB."));
        output.WriteLine("Samples (s, RSS MB, heap MB): " + string.Join("; ", samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Second:F0}, {s.Rss / 1048576.0:F0}, {s.Heap / 1048576.0:F1}"))));
        foreach (var group in forged.GroupBy(f => $"{f.Expected} -> {f.Status} {f.Reason}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"Forged {group.Key}: {group.Count()}");
        }

        // Zero errors on authentic traffic, each delivered exactly once.
        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors.Take(10)));
        Assert.All(authentic, a => Assert.Equal(200, a.Status));
        Assert.Equal(authentic.Select(a => Convert.ToHexString(a.Body)).Order(), upstream.Received.Select(r => Convert.ToHexString(r.Body)).Order());

        // Forgeries: refused for their own reason, or throttled once their client used up its failures; never forwarded.
        Assert.All(forged, f => Assert.True((f.Status == 401 && f.Reason == f.Expected) || (f.Status == 429 && f.Reason == "rate_limited"), $"{f.Expected}: {f.Status} {f.Reason}"));

        // The metrics count exactly what was sent.
        var counted = WebhookCounts(metrics);
        var expected = forged.GroupBy(f => $"rejected/{f.Reason}").ToDictionary(g => g.Key, g => (long)g.Count());
        expected["accepted/"] = authentic.Count;
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), counted.OrderBy(p => p.Key, StringComparer.Ordinal));

        // Memory roughly flat: a generous bound, the numbers are in the output.
        Assert.True(last.Rss - warm.Rss < 128L * 1024 * 1024, $"RSS grew from {warm.Rss} to {last.Rss} bytes.");
    }

    private static (string Expected, SignedRequest Delivery) Forgery(int slot) => (slot / 5 % 3) switch
    {
        0 => ("invalid_signature", SignedRequest.Create(Target, secret: "wh_sec_attacker")),
        1 => ("stale_timestamp", SignedRequest.Create(Target, timestamp: WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow.AddMinutes(-10)))),
        _ => ("invalid_signature", SignedRequest.Create(Target) with { Signature = new string('f', 64) }),
    };

    /// <summary><c>axitech_gateway_webhooks_total</c> summed by outcome and reason, as <c>"outcome/reason"</c>.</summary>
    private static Dictionary<string, long> WebhookCounts(string metrics)
        => WebhookLine().Matches(metrics)
            .Select(m => (Labels: m.Groups["labels"].Value, Value: long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .GroupBy(l => $"{Label(l.Labels, "outcome")}/{Label(l.Labels, "reason")}")
            .ToDictionary(g => g.Key, g => g.Sum(l => l.Value));

    private static string Label(string labels, string name)
        => Regex.Match(labels, name + "=\"(?<v>[^\"]*)\"") is { Success: true } match ? match.Groups["v"].Value : string.Empty;

    private static async Task<long> GcHeapBytesAsync(HttpClient management)
        => HeapLine().Matches(await management.GetStringAsync("/metrics")).Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"^axitech_gateway_webhooks_total\{(?<labels>[^}]*)\} (?<value>\d+)", RegexOptions.Multiline)]
    private static partial Regex WebhookLine();

    [GeneratedRegex(@"^dotnet_gc_last_collection_heap_size_bytes\{[^}]*\} (?<value>\d+)", RegexOptions.Multiline)]
    private static partial Regex HeapLine();
}
