using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// The gateway process's standard output (issue 15): a stdout nobody reads never holds up a delivery, what could not be
/// written is counted, and every line has a timestamp from the first one.
/// </summary>
[Collection(nameof(Hardening.SoakRunsAlone))]
public sealed partial class ConsoleOutputTests
{
    [Fact]
    public async Task AStdoutNobodyReads_NeverHoldsUpADelivery_AndTheDroppedRecordsAreCounted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var publicPort = FreePort.Next();
        var managementPort = FreePort.Next();
        var configDirectory = Directory.CreateTempSubdirectory("axgw-stdout-");
        var start = new ProcessStartInfo(Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Axitech.Gateway.dll") },
            WorkingDirectory = AppContext.BaseDirectory,

            // A pipe the test never reads: it fills after some 64 KiB, and every write to it blocks from then on.
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var (name, value) in TestGateway.DefaultConfiguration(upstream.Address))
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment[GatewayHostSettings.ConfigDirectoryVariable] = configDirectory.FullName;
        start.Environment["Kestrel__Endpoints__Public__Url"] = $"http://127.0.0.1:{publicPort}";
        start.Environment["Kestrel__Endpoints__Management__Url"] = $"http://127.0.0.1:{managementPort}";

        // Several records per delivery (the audit line, ASP.NET Core's and YARP's): far more than a pipe (64 KiB to
        // 1 MiB) and the gateway's queue hold.
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Information";
        start.Environment["Logging__LogLevel__Yarp"] = "Information";
        start.Environment["Logging__LogLevel__Axitech.Gateway"] = "Information";
        start.Environment["Logging__LogLevel__Axitech.Gateway.Audit"] = "Information";
        using var process = Process.Start(start)!;
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await WaitUntilHealthyAsync(client, managementPort, process);

            var answers = new List<HttpStatusCode>();
            var slowest = TimeSpan.Zero;
            await Parallel.ForAsync(0, 6000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, cancellationToken) =>
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/logged").ToHttpRequest(publicPort), cancellationToken);
                var elapsed = Stopwatch.GetElapsedTime(started);
                lock (answers)
                {
                    answers.Add(response.StatusCode);
                    slowest = elapsed > slowest ? elapsed : slowest;
                }
            });

            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a));
            Assert.Equal(6000, upstream.Received.Count);
            Assert.True(slowest < TimeSpan.FromSeconds(5), $"The slowest delivery took {slowest.TotalSeconds:F1} s.");

            // The logger writes behind the requests: the drops are counted once it reaches the full pipe.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            double dropped;
            do
            {
                await Task.Delay(250);
                dropped = PrometheusScrape.Parse(await client.GetStringAsync($"http://127.0.0.1:{managementPort}/metrics")).Sum("axitech_gateway_log_records_dropped_total");
            }
            while (dropped == 0 && DateTime.UtcNow < deadline);

            Assert.True(dropped > 0, "No log record was counted as dropped: the test did not fill the pipe.");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            configDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithNoLoggingSectionInAnyFile_EveryLineHasATimestamp_FromTheFirst()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(upstream.Address, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
        });

        var lines = gateway.Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith(' ')).ToList();

        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(TimestampedLine(), l));
    }

    private static async Task WaitUntilHealthyAsync(HttpClient client, int managementPort, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            Assert.False(process.HasExited, "The gateway exited.");
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{managementPort.ToString(CultureInfo.InvariantCulture)}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "The gateway did not become healthy within 30 s.");
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (info|warn|fail|crit|dbug|trce): ")]
    private static partial Regex TimestampedLine();
}
