using System.Globalization;
using System.Net;
using System.Text;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>One sample of a Prometheus text exposition: <c>name{labels} value</c>.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? Label(string name) => Labels.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real scrape of the gateway's <c>/metrics</c>, parsed (Prometheus text format 0.0.4: comments, samples with
/// escaped label values, optional timestamps).
/// </summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Every sample name in the scrape (<c>_total</c>, <c>_bucket</c>, <c>_sum</c>, <c>_count</c> included).</summary>
    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The samples named <paramref name="name"/> whose labels include every pair in <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Name, string Value)[] labels)
        => Samples.Where(s => s.Name == name && labels.All(l => s.Label(l.Name) == l.Value));

    /// <summary>The sum of <see cref="Find"/>'s values; 0 when there is no such sample.</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    /// <summary>The value of histogram bucket <paramref name="le"/> (as the exporter writes it, e.g. "512" or "+Inf").</summary>
    public double Bucket(string histogram, string le, params (string Name, string Value)[] labels)
        => Sum(histogram + "_bucket", [.. labels, ("le", le)]);

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseSample(line));
        }

        return new PrometheusScrape(text, samples);
    }

    private static PrometheusSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
        {
            i++;
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var labelName = line[i..equals];
                if (line[equals + 1] != '"')
                {
                    throw new FormatException($"Label value not quoted: {line}");
                }

                var value = new StringBuilder();
                i = equals + 2;
                for (; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                }

                labels.Add(labelName, value.ToString());
                i++;
                if (line[i] == ',')
                {
                    i++;
                }
            }

            i++;
        }

        var fields = line[i..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}

public static class PrometheusScrapeExtensions
{
    /// <summary>Scrapes the Management endpoint's <c>/metrics</c> once, in the classic text format.</summary>
    public static async Task<PrometheusScrape> ScrapeAsync(this TestGateway gateway)
    {
        using var response = await gateway.Management.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> holds (at most 10 seconds), and returns that scrape. Needed because
    /// the exporter caches its answer for 300 ms, and because a count recorded after the response was written (the
    /// upstream counter) may land a moment after the client has its answer.
    /// </summary>
    public static Task<PrometheusScrape> ScrapeUntilAsync(this TestGateway gateway, Func<PrometheusScrape, bool> condition)
        => Eventually.UntilAsync(
            gateway.ScrapeAsync,
            condition,
            TimeSpan.FromSeconds(10),
            _ => "The scrape did not show what was expected within 10 seconds.",
            TimeSpan.FromMilliseconds(100));
}
