namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Issue 6, targets 2 to 4: the whole request through the gateway (verify, duplicate store in memory, forward)
/// against plain YARP forwarding the same requests to the same fast upstream, all on loopback ports, driven by wrk.
/// Either side can be the floor proxy instead (<see cref="FloorProxy"/>: only what verifying needs), to tell what
/// verification costs on the machine from what the gateway adds to it.
/// </summary>
internal static class LoadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["--help" or "-h", ..])
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + LoadOptions.Usage);
            return 2;
        }

        if (!MachineInfo.WrkIsInstalled())
        {
            await Console.Error.WriteLineAsync("The load benchmark drives the hosts with wrk: install it first (apt-get install wrk).");
            return 2;
        }

        var loadAverageAtStart = MachineInfo.LoadAverage();
        var directory = Directory.CreateTempSubdirectory("axgw-load-");
        try
        {
            var tolerance = options.Soak ? options.SoakTolerance : TimeSpan.FromMinutes(5);
            var margin = options.Soak ? options.SoakExpiryMargin : TimeSpan.FromSeconds(30);
            // The comparison counts allocations, which need a fixed GC heap count; the soak measures memory as the
            // gateway runs by default (DATAS on).
            var fixedHeaps = !options.Soak;
            // Every host binds port 0 and names the port it got in its ready line; the proxies are told the upstream's.
            await using var upstream = await HostProcess.StartAsync(new HostArguments("upstream", 0, tolerance, margin), fixedHeaps);
            await using var gateway = await HostProcess.StartAsync(new HostArguments(options.Contestant, upstream.Port, tolerance, margin, options.SampleAllocations, options.GatewayTelemetry, options.GatewaySettings), fixedHeaps);
            await using var baseline = await HostProcess.StartAsync(new HostArguments(options.BaselineRole, upstream.Port, tolerance, margin, options.SampleAllocations), fixedHeaps);

            var session = new LoadSession(options, directory.FullName, upstream, gateway, baseline);
            await session.SmokeTestAsync();
            if (options.Soak)
            {
                var soak = await session.SoakAsync();
                LoadReport.PrintHeader(Console.Out, options, loadAverageAtStart);
                LoadReport.PrintSoak(Console.Out, soak);
            }
            else
            {
                var results = await session.CompareAsync();
                LoadReport.PrintHeader(Console.Out, options, loadAverageAtStart);
                LoadReport.PrintComparison(Console.Out, options, results);
            }

            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
