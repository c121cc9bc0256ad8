using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>What one wrk run reported, from the <c>@@wrk</c> line the script's <c>done()</c> prints.</summary>
internal sealed record WrkResult(
    long Requests,
    long DurationMicroseconds,
    long P50Microseconds,
    long P90Microseconds,
    long P99Microseconds,
    long MaxMicroseconds,
    long StatusErrors,
    long SocketErrors,
    long ExhaustedThreads)
{
    public const string Prefix = "@@wrk ";

    public double RequestsPerSecond => Requests / (DurationMicroseconds / 1_000_000.0);

    public static WrkResult Parse(string line)
    {
        var values = line[Prefix.Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return new WrkResult(
            values["requests"],
            values["duration_us"],
            values["p50_us"],
            values["p90_us"],
            values["p99_us"],
            values["max_us"],
            values["status_errors"],
            values["connect_errors"] + values["read_errors"] + values["write_errors"] + values["timeouts"],
            values["exhausted"]);
    }
}
