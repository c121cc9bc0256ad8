using System.Globalization;
using Axitech.Gateway.Testing.Soak;

namespace Axitech.Gateway.Benchmarks.Soak;

/// <summary>
/// <c>soak</c>: the hardening soak (<see cref="HardeningSoak"/>) for minutes: the built gateway as its own process,
/// unique genuine deliveries from one address and 20% forgeries from another at a steady rate, failure throttling
/// on. Prints what was sent, the latencies, the memory samples and the forgeries' answers; exits 1 when a promise
/// broke (an error or a non-200 on authentic traffic, a delivery lost or repeated, a forgery not refused for its
/// reason, metrics that differ from what was sent, RSS grown by 128 MB or more). The functional tests run the same
/// soak for 15 seconds.
/// </summary>
internal static class SoakCommand
{
    public const string Usage = """
        Usage: soak [--seconds N] [--rate N] [--senders N]
          --seconds N  how long to send (default 180)
          --rate N     requests per second, all senders together (default 200)
          --senders N  concurrent senders (default 8)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["--help" or "-h", ..])
        {
            Console.WriteLine(Usage);
            return 0;
        }

        SoakOptions options;
        try
        {
            options = Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Usage);
            return 2;
        }

        var report = await HardeningSoak.RunAsync(options);
        foreach (var line in report.Summary())
        {
            Console.WriteLine(line);
        }

        var violations = report.Violations();
        foreach (var violation in violations)
        {
            await Console.Error.WriteLineAsync("Broken: " + violation);
        }

        Console.WriteLine(violations.Count == 0 ? "Every promise held." : $"{violations.Count} promises broken.");
        return violations.Count == 0 ? 0 : 1;
    }

    private static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Count; i++)
        {
            int Next() => i + 1 < args.Count ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value.");

            options = args[i] switch
            {
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(Next()) },
                "--rate" => options with { RatePerSecond = Next() },
                "--senders" => options with { Senders = Next() },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        if (options.Duration <= TimeSpan.Zero || options.RatePerSecond < 1 || options.Senders < 1)
        {
            throw new ArgumentException("Need seconds, rate and senders of at least 1.");
        }

        return options;
    }
}
