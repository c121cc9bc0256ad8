using System.Diagnostics;
using System.Globalization;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Benchmarks.Queue;

/// <summary>
/// <c>queue-drain</c>: how fast the delivery workers empty a backlog into a fast upstream. For each
/// <c>--concurrency</c> (Webhooks:Queue:MaxConcurrency), a fresh store is filled with <c>--deliveries</c> accepted
/// deliveries (through the store, as acceptances would leave them), then the real gateway
/// (<see cref="GatewayApplication.Build"/>, one queued route) is started on it next to an upstream on loopback that
/// reads the body and answers 200. The rate is the deliveries the upstream received per second between its first and
/// its last; the CPU is this process's (gateway and upstream together) per delivery. SQLite (a file in the temporary
/// folder) unless <c>--postgres</c> names a database (a new schema is not made: give an empty one with Search Path).
/// </summary>
internal static class QueueDrainBenchmark
{
    public const string Usage = """
        Usage: queue-drain [--deliveries N] [--concurrency N,N] [--body BYTES] [--rounds N] [--clear] [--postgres CONNECTION-STRING]
          --deliveries N      the backlog drained in each round (default 2000)
          --concurrency N,N   Webhooks:Queue:MaxConcurrency values to measure (default 4,16)
          --body BYTES        the body size (default 1024)
          --rounds N          rounds per concurrency, interleaved (default 3; the median is reported)
          --clear             bodies stored in the clear (by default encrypted, with one key, as in production)
          --postgres CS       drain a PostgreSQL queue instead of a SQLite file (tables are dropped and recreated)
        """;

    internal const string Secret = "wh_sec_queue_drain_benchmark";
    internal const string RouteId = "bench";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["--help", ..] or ["-h", ..])
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var deliveries = 2000;
        int[] concurrencies = [4, 16];
        var bodySize = 1024;
        var rounds = 3;
        string? postgres = null;
        string[] keys = [Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))];
        for (var i = 0; i < args.Length; i += 2)
        {
            if (args[i] == "--clear")
            {
                keys = [];
                i--;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            switch (args[i])
            {
                case "--deliveries": deliveries = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrencies = [.. args[i + 1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]; break;
                case "--body": bodySize = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--postgres": postgres = args[i + 1]; break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        await using var upstream = await DrainUpstream.StartAsync();
        var results = concurrencies.ToDictionary(c => c, _ => new List<(double Rate, double CpuMicroseconds)>());
        Console.WriteLine($"queue-drain: {deliveries} deliveries of {bodySize} bytes, {(postgres is null ? "SQLite" : "PostgreSQL")}, bodies {(keys.Length > 0 ? "encrypted" : "in the clear")}, {Environment.ProcessorCount} cores, {rounds} rounds per concurrency");
        for (var round = 0; round < rounds; round++)
        {
            foreach (var concurrency in round % 2 == 0 ? concurrencies : [.. concurrencies.Reverse()])
            {
                var result = await DrainOnceAsync(upstream, deliveries, concurrency, bodySize, keys, postgres);
                results[concurrency].Add(result);
                Console.WriteLine($"  round {round + 1}, MaxConcurrency {concurrency}: {result.Rate:F0} deliveries/s, {result.CpuMicroseconds:F0} µs CPU per delivery");
            }
        }

        Console.WriteLine();
        Console.WriteLine("MaxConcurrency  deliveries/s (median)  CPU per delivery (median, gateway + upstream)");
        foreach (var (concurrency, list) in results)
        {
            var rate = list.Select(r => r.Rate).Order().ElementAt(list.Count / 2);
            var cpu = list.Select(r => r.CpuMicroseconds).Order().ElementAt(list.Count / 2);
            Console.WriteLine($"{concurrency,14}  {rate,21:F0}  {cpu,8:F0} µs");
        }

        return 0;
    }

    private static async Task<(double Rate, double CpuMicroseconds)> DrainOnceAsync(DrainUpstream upstream, int deliveries, int concurrency, int bodySize, string[] keys, string? postgres)
    {
        var directory = Directory.CreateTempSubdirectory("axgw-queue-drain-");
        try
        {
            var options = new DeliveryQueueOptions { Path = Path.Combine(directory.FullName, "queue.db"), MaxConcurrency = concurrency, EncryptionKeys = keys };
            await FillAsync(options, postgres, deliveries, bodySize);
            upstream.Reset();

            var overrides = new Dictionary<string, string?>
            {
                ["Kestrel:Endpoints:Public:Url"] = "http://127.0.0.1:0",
                ["Kestrel:Endpoints:Management:Url"] = "http://127.0.0.1:0",
                [$"Webhooks:Policies:{RouteId}:Secrets:0"] = Secret,
                [$"ReverseProxy:Routes:{RouteId}:ClusterId"] = "upstream",
                [$"ReverseProxy:Routes:{RouteId}:Match:Path"] = "/webhooks/{**rest}",
                [$"ReverseProxy:Routes:{RouteId}:Metadata:WebhookPolicy"] = RouteId,
                [$"ReverseProxy:Routes:{RouteId}:Metadata:WebhookDelivery"] = "Queue",
                ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = upstream.Address,
                ["Webhooks:Queue:Path"] = options.Path,
                ["Webhooks:Queue:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
                ["ConnectionStrings:Postgres"] = postgres,
                ["Webhooks:Queue:EncryptionKeys:0"] = keys.FirstOrDefault(),
                ["Logging:LogLevel:Default"] = "Warning",
            };
            var app = GatewayApplication.Build(new GatewayHostSettings
            {
                ConfigDirectory = directory.FullName,
                EnvironmentName = "Production",
                ReadEnvironment = false,
                Overrides = overrides,
            });
            try
            {
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                await app.StartAsync();
                var deadline = Stopwatch.StartNew();
                while (upstream.Count < deliveries)
                {
                    if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                    {
                        throw new TimeoutException($"Only {upstream.Count} of {deliveries} deliveries arrived in 5 minutes.");
                    }

                    await Task.Delay(10);
                }

                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
                var (first, last) = upstream.Span;
                return ((deliveries - 1) / (last - first).TotalSeconds, cpu.TotalMicroseconds / deliveries);
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
    }

    /// <summary>The backlog: accepted deliveries, as many at once as group commit takes.</summary>
    internal static async Task FillAsync(DeliveryQueueOptions options, string? postgres, int deliveries, int bodySize)
    {
        if (postgres is not null)
        {
            await using var connection = new Npgsql.NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand("DROP TABLE IF EXISTS delivery_attempts; DROP TABLE IF EXISTS deliveries; DROP TABLE IF EXISTS delivery_schema_version;", connection);
            await drop.ExecuteNonQueryAsync();
        }

        await using var store = DeliveryStoreFactory.Create(options, postgres, TimeProvider.System);
        var body = new byte[bodySize];
        Array.Fill(body, (byte)'x');
        for (var start = 0; start < deliveries; start += 256)
        {
            var batch = Enumerable.Range(start, Math.Min(256, deliveries - start)).Select(i => store.AcceptAsync(
                new NewDelivery
                {
                    RouteId = RouteId,
                    Method = "POST",
                    RawTarget = $"/webhooks/events?n={i.ToString(CultureInfo.InvariantCulture)}",
                    Signature = "v1=benchmark",
                    Timestamp = "1700000000",
                    ContentType = "application/json",
                    Body = body,
                    DedupExpiresAt = TimeProvider.System.GetUtcNow().AddMinutes(10),
                },
                CancellationToken.None));
            var results = await Task.WhenAll(batch);
            if (results.Any(r => r.Outcome != AcceptOutcome.Accepted))
            {
                throw new InvalidOperationException("The backlog could not be stored.");
            }
        }
    }
}
