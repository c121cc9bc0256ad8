using System.Globalization;
using System.Text.RegularExpressions;

namespace Axitech.Gateway.Testing.Soak;

/// <summary>What a soak sent, what came back, what the upstream received, the gateway's memory and its metrics.</summary>
public sealed partial record SoakReport(
    SoakOptions Options,
    TimeSpan SendingTook,
    IReadOnlyList<SoakReport.Authentic> AuthenticAnswers,
    IReadOnlyList<SoakReport.Forged> ForgedAnswers,
    IReadOnlyList<string> Errors,
    IReadOnlyList<byte[]> UpstreamBodies,
    IReadOnlyList<SoakReport.MemorySample> Memory,
    string Metrics)
{
    /// <summary>The most the gateway's RSS may grow between the warm sample and the last one.</summary>
    public const long MaxRssGrowthBytes = 128L * 1024 * 1024;

    public sealed record Authentic(byte[] Body, int Status, double Milliseconds);

    public sealed record Forged(string ExpectedReason, int Status, string? Reason);

    public sealed record MemorySample(double Second, long Rss, long Heap);

    public int Total => AuthenticAnswers.Count + ForgedAnswers.Count + Errors.Count;

    /// <summary>The first sample after the start-up (10 s, or a third of a short run).</summary>
    public MemorySample Warm => Memory.First(s => s.Second >= Math.Min(10, Options.Duration.TotalSeconds / 3));

    /// <summary>The promises the soak checks; empty when all held.</summary>
    public IReadOnlyList<string> Violations()
    {
        var violations = new List<string>();

        // Zero errors on authentic traffic, each delivered exactly once.
        violations.AddRange(Errors.Take(10).Select(e => "Error: " + e));
        violations.AddRange(AuthenticAnswers.Where(a => a.Status != 200).Take(10).Select(a => $"An authentic delivery was answered {a.Status}."));
        var sent = AuthenticAnswers.Select(a => Convert.ToHexString(a.Body)).Order(StringComparer.Ordinal).ToList();
        var received = UpstreamBodies.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();
        if (!sent.SequenceEqual(received))
        {
            violations.Add($"The upstream received {received.Count} bodies ({received.Except(sent).Count()} not sent as authentic), {sent.Count} authentic deliveries were sent ({sent.Except(received).Count()} never arrived): each must arrive exactly once.");
        }

        // Forgeries: refused for their own reason, or throttled once their client used up its failures; never forwarded.
        violations.AddRange(ForgedAnswers
            .Where(f => !((f.Status == 401 && f.Reason == f.ExpectedReason) || (f.Status == 429 && f.Reason == "rate_limited")))
            .Take(10)
            .Select(f => $"A forgery ({f.ExpectedReason}) was answered {f.Status} {f.Reason}."));

        // The metrics count exactly what was sent.
        var counted = WebhookCounts(Metrics).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var expected = ForgedAnswers.GroupBy(f => $"rejected/{f.Reason}").ToDictionary(g => g.Key, g => (long)g.Count());
        expected["accepted/"] = AuthenticAnswers.Count;
        if (!expected.OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual(counted))
        {
            violations.Add($"axitech_gateway_webhooks_total counted {Describe(counted)}; sent {Describe(expected.OrderBy(p => p.Key, StringComparer.Ordinal))}.");
        }

        // Memory roughly flat: a generous bound, the numbers are in the summary.
        if (Memory[^1].Rss - Warm.Rss >= MaxRssGrowthBytes)
        {
            violations.Add($"RSS grew from {Warm.Rss} to {Memory[^1].Rss} bytes.");
        }

        return violations;
    }

    /// <summary>The numbers, for a person.</summary>
    public IEnumerable<string> Summary()
    {
        var latencies = AuthenticAnswers.Select(a => a.Milliseconds).Order().ToList();
        var last = Memory[^1];
        yield return string.Create(CultureInfo.InvariantCulture, $"Soak: {Total} requests in {SendingTook.TotalSeconds:F1} s ({Total / SendingTook.TotalSeconds:F0}/s target {Options.RatePerSecond}/s) from {Options.Senders} senders; {AuthenticAnswers.Count} authentic, {ForgedAnswers.Count} forged; {Errors.Count} errors.");
        yield return string.Create(CultureInfo.InvariantCulture, $"Authentic latency: p50 {Percentile(latencies, 0.5):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies.LastOrDefault():F1} ms.");
        yield return string.Create(CultureInfo.InvariantCulture, $"Gateway RSS: warm {Warm.Rss / 1048576.0:F1} MB at {Warm.Second:F0} s, end {last.Rss / 1048576.0:F1} MB, max {Memory.Max(s => s.Rss) / 1048576.0:F1} MB; GC heap after the last collection: warm {Warm.Heap / 1048576.0:F1} MB, end {last.Heap / 1048576.0:F1} MB.");
        yield return "Samples (s, RSS MB, heap MB): " + string.Join("; ", Memory.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Second:F0}, {s.Rss / 1048576.0:F0}, {s.Heap / 1048576.0:F1}")));
        foreach (var group in ForgedAnswers.GroupBy(f => $"{f.ExpectedReason} -> {f.Status} {f.Reason}").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            yield return $"Forged {group.Key}: {group.Count()}";
        }
    }

    /// <summary><c>axitech_gateway_webhooks_total</c> summed by outcome and reason, as <c>"outcome/reason"</c>.</summary>
    private static Dictionary<string, long> WebhookCounts(string metrics)
        => WebhookLine().Matches(metrics)
            .Select(m => (Labels: m.Groups["labels"].Value, Value: long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .GroupBy(l => $"{Label(l.Labels, "outcome")}/{Label(l.Labels, "reason")}")
            .ToDictionary(g => g.Key, g => g.Sum(l => l.Value));

    private static string Label(string labels, string name)
        => Regex.Match(labels, name + "=\"(?<v>[^\"]*)\"") is { Success: true } match ? match.Groups["v"].Value : string.Empty;

    private static string Describe(IEnumerable<KeyValuePair<string, long>> counts) => string.Join(", ", counts.Select(p => $"{p.Key} {p.Value}"));

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];

    [GeneratedRegex(@"^axitech_gateway_webhooks_total\{(?<labels>[^}]*)\} (?<value>\d+)", RegexOptions.Multiline)]
    private static partial Regex WebhookLine();
}
