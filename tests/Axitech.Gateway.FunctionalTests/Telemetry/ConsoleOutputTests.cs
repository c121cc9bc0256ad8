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
        var configDirectory = Directory.CreateTempSubdirectory("axgw-stdout-");
        var configuration = TestGateway.Configuration(upstream.Address, c =>
        {
            // Several records per delivery (the audit line, ASP.NET Core's and YARP's): far more than a pipe (64 KiB
            // to 1 MiB) and the gateway's queue hold.
            c["Logging:LogLevel:Default"] = "Information";
            c["Logging:LogLevel:Microsoft.AspNetCore"] = "Information";
            c["Logging:LogLevel:Yarp"] = "Information";
            c["Logging:LogLevel:Axitech.Gateway"] = "Information";
            c["Logging:LogLevel:Axitech.Gateway.Audit"] = "Information";
        });
        var environment = configuration.ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value);
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment[GatewayHostSettings.ConfigDirectoryVariable] = configDirectory.FullName;
        var start = GatewayExecutable.CreateStartInfo([], environment);

        // A pipe the test never reads, not even for the start-up line (the ports are read from /proc): it fills after
        // some 64 KiB, and every write to it blocks from then on.
        start.RedirectStandardInput = false;
        start.RedirectStandardError = false;
        start.StandardErrorEncoding = null;
        try
        {
            using var process = ChildProcess.Start(start);
            try
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                var (publicPort, managementPort) = await WaitUntilHealthyAsync(client, process);

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
                await Eventually.UntilAsync(
                    async () => PrometheusScrape.Parse(await client.GetStringAsync($"http://127.0.0.1:{managementPort}/metrics")).Sum("axitech_gateway_log_records_dropped_total"),
                    dropped => dropped > 0,
                    TimeSpan.FromSeconds(15),
                    _ => "No log record was counted as dropped: the test did not fill the pipe.",
                    TimeSpan.FromMilliseconds(250));
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            configDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithNoLoggingSectionInAnyFile_EveryLineHasATimestamp_FromTheFirst()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(c => c["Logging:LogLevel:Default"] = "Information", upstream);

        var lines = gateway.Output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith(' ')).ToList();

        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(TimestampedLine(), l));
    }

    /// <summary>
    /// The Public and Management ports (both bound port 0), once Management answers /healthz: of the two ports the
    /// process listens on, Management is the one that serves /healthz (Public answers it 404).
    /// </summary>
    private static async Task<(int Public, int Management)> WaitUntilHealthyAsync(HttpClient client, Process process)
    {
        var ports = await Eventually.UntilAsync(
            async () =>
            {
                Assert.False(process.HasExited, "The gateway exited.");
                var listening = ListeningPorts.Of(process.Id);
                var healthy = new List<int>();
                foreach (var port in listening)
                {
                    try
                    {
                        using var response = await client.GetAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/healthz");
                        if (response.IsSuccessStatusCode)
                        {
                            healthy.Add(port);
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                }

                return (Listening: listening, Healthy: healthy);
            },
            p => p.Listening.Count == 2 && p.Healthy.Count == 1,
            TimeSpan.FromSeconds(30),
            p => $"The gateway did not become healthy within 30 s (listening on {string.Join(", ", p.Listening)}).",
            TimeSpan.FromMilliseconds(100));
        var management = ports.Healthy[0];
        return (ports.Listening.Single(p => p != management), management);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (info|warn|fail|crit|dbug|trce): ")]
    private static partial Regex TimestampedLine();
}
