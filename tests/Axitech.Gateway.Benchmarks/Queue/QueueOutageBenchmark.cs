using System.Diagnostics;
using System.Globalization;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Benchmarks.Queue;

/// <summary>
/// <c>queue-outage</c>: a backlog of <c>--deliveries</c> meets an upstream that answers 503 for <c>--outage</c>
/// seconds, then 200. One round per process, so that two builds (this branch and the one before it) can be run in
/// turn by a script (the benchmarks README has it). The backoff is scaled down (InitialDelay 50 ms, MaxDelay 250 ms,
/// MaxAge 10 minutes, MaxAttempts 25 as by default), as the issue measured it. Prints the attempts made during the
/// outage, what was dead-lettered, what was delivered, and how long the queue took to empty after the upstream came
/// back (no delivery pending). SQLite in the temporary folder, bodies encrypted.
/// </summary>
internal static class QueueOutageBenchmark
{
    public const string Usage = """
        Usage: queue-outage [--deliveries N] [--outage SECONDS] [--concurrency N]
          --deliveries N      the backlog (default 10000)
          --outage SECONDS    how long the upstream answers 503 (default 20)
          --concurrency N     Webhooks:Queue:MaxConcurrency (default 4)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var deliveries = 10_000;
        var outage = TimeSpan.FromSeconds(20);
        var concurrency = 4;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--deliveries": deliveries = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--outage": outage = TimeSpan.FromSeconds(double.Parse(args[i + 1], CultureInfo.InvariantCulture)); break;
                case "--concurrency": concurrency = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        if (args.Length % 2 != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        await using var upstream = await DrainUpstream.StartAsync();
        var directory = Directory.CreateTempSubdirectory("axgw-queue-outage-");
        try
        {
            string[] keys = [Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))];
            var options = new DeliveryQueueOptions { Path = Path.Combine(directory.FullName, "queue.db"), MaxConcurrency = concurrency, EncryptionKeys = keys };
            await QueueDrainBenchmark.FillAsync(options, null, deliveries, 1024);
            upstream.Reset();
            upstream.Down = true;

            var app = GatewayApplication.Build(new GatewayHostSettings
            {
                ConfigDirectory = directory.FullName,
                EnvironmentName = "Production",
                ReadEnvironment = false,
                Overrides = new Dictionary<string, string?>
                {
                    ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
                    ["Kestrel:Endpoints:Management:Url"] = "http://127.0.0.1:0",
                    [$"Webhooks:Policies:{QueueDrainBenchmark.RouteId}:Secrets:0"] = QueueDrainBenchmark.Secret,
                    [$"ReverseProxy:Routes:{QueueDrainBenchmark.RouteId}:ClusterId"] = "upstream",
                    [$"ReverseProxy:Routes:{QueueDrainBenchmark.RouteId}:Match:Path"] = "/webhooks/{**rest}",
                    [$"ReverseProxy:Routes:{QueueDrainBenchmark.RouteId}:Metadata:WebhookPolicy"] = QueueDrainBenchmark.RouteId,
                    [$"ReverseProxy:Routes:{QueueDrainBenchmark.RouteId}:Metadata:WebhookDelivery"] = "Queue",
                    ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = upstream.Address,
                    ["Webhooks:Queue:Path"] = options.Path,
                    ["Webhooks:Queue:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
                    ["Webhooks:Queue:EncryptionKeys:0"] = keys[0],
                    ["Webhooks:Queue:Retry:InitialDelay"] = "00:00:00.050",
                    ["Webhooks:Queue:Retry:MaxDelay"] = "00:00:00.250",
                    ["Webhooks:Queue:Retry:MaxAge"] = "00:10:00",
                    ["Webhooks:Queue:PollInterval"] = "00:00:01",
                    ["Logging:LogLevel:Default"] = "Warning",
                },
            });
            await using var observer = DeliveryStoreFactory.Create(options, null, TimeProvider.System);
            try
            {
                await app.StartAsync();
                await Task.Delay(outage);
                var duringOutage = upstream.Refused;
                upstream.Down = false;
                var back = Stopwatch.StartNew();
                RouteQueueStats? stats;
                do
                {
                    if (back.Elapsed > TimeSpan.FromMinutes(10))
                    {
                        throw new TimeoutException("The queue did not empty within 10 minutes of the upstream's return.");
                    }

                    await Task.Delay(50);
                    stats = (await observer.GetStatsAsync(CancellationToken.None)).SingleOrDefault();
                }
                while (stats is { Pending: > 0 });

                var toEmpty = back.Elapsed;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"queue-outage: {deliveries} deliveries, upstream 503 for {outage.TotalSeconds:F0} s, MaxConcurrency {concurrency}, {Environment.ProcessorCount} cores: attempts during the outage {duringOutage}, dead-lettered {stats?.Dead ?? 0}, delivered {upstream.Count}, empty {toEmpty.TotalSeconds:F1} s after the upstream came back"));
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }

        return 0;
    }
}
