using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The command line of <c>load-host</c>: <c>&lt;role&gt; [--upstream-port N] [--tolerance T] [--expiry-margin T] [--sample-allocations true] [--telemetry false] [--setting Key=Value]...</c>.
/// A host's own endpoints bind port 0; it names the port it got in its ready line (<see cref="LoadHost.ReadyPrefix"/>).
/// </summary>
internal sealed record HostArguments(string Role, int UpstreamPort, TimeSpan Tolerance, TimeSpan ExpiryMargin, bool SampleAllocations = false, bool Telemetry = true, IReadOnlyList<string>? Settings = null)
{
    public static HostArguments Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("load-host needs a role: gateway, baseline, floor or upstream.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new List<string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--setting")
            {
                settings.Add(args[i + 1]);
            }
            else
            {
                values[args[i]] = args[i + 1];
            }
        }

        int Port(string name) => values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        TimeSpan Time(string name, TimeSpan fallback) => values.TryGetValue(name, out var value) ? TimeSpan.Parse(value, CultureInfo.InvariantCulture) : fallback;

        return new HostArguments(
            args[0],
            Port("--upstream-port"),
            Time("--tolerance", TimeSpan.FromMinutes(5)),
            Time("--expiry-margin", TimeSpan.FromSeconds(30)),
            values.TryGetValue("--sample-allocations", out var sample) && bool.Parse(sample),
            !values.TryGetValue("--telemetry", out var telemetry) || bool.Parse(telemetry),
            settings);
    }

    public IEnumerable<string> ToArguments()
    {
        yield return Role;
        yield return "--upstream-port";
        yield return UpstreamPort.ToString(CultureInfo.InvariantCulture);
        yield return "--tolerance";
        yield return Tolerance.ToString("c", CultureInfo.InvariantCulture);
        yield return "--expiry-margin";
        yield return ExpiryMargin.ToString("c", CultureInfo.InvariantCulture);
        yield return "--sample-allocations";
        yield return SampleAllocations ? "true" : "false";
        yield return "--telemetry";
        yield return Telemetry ? "true" : "false";
        foreach (var setting in Settings ?? [])
        {
            yield return "--setting";
            yield return setting;
        }
    }
}
