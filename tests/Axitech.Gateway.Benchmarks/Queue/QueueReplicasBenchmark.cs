using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Axitech.Gateway.Benchmarks.Load;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Gateway.Testing.Services;

namespace Axitech.Gateway.Benchmarks.Queue;

/// <summary>
/// <c>queue-replicas</c>: queued acceptance with two gateway processes on one PostgreSQL server (started here as the
/// <c>postgres</c> user), against a forwarded route in a third process, driven by wrk, in interleaved rounds: the
/// acceptance throughput of the two replicas together (two wrk processes at once, half the connections each) against the
/// forwarded route's (one wrk process), acceptance latency, and how long the replicas take to deliver the backlog.
/// Every request is a distinct signed delivery (<see cref="SignedRequestTable"/>); the upstream is the fast counting one.
/// </summary>
internal static class QueueReplicasBenchmark
{
    public const string Usage = """
        Usage: queue-replicas [--seconds N] [--rounds N] [--connections N]
          --seconds N      the length of each wrk run (default 5)
          --rounds N       rounds, each a forwarded run and a queued run, order alternating (default 3)
          --connections N  wrk connections in all: the forwarded run's, split between the two replicas (default 32)
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = 5;
        var rounds = 3;
        var connections = 32;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--seconds": seconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--connections": connections = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        var directory = Directory.CreateTempSubdirectory("axgw-queue-replicas-");
        try
        {
            await using var postgres = await PostgresServer.StartAsync();
            await using var upstream = await DrainUpstream.StartAsync();
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            await using var replicaA = await GatewayProcess.StartAsync(c => Configure(c, upstream.Address, postgres.ConnectionString, key));
            await using var replicaB = await GatewayProcess.StartAsync(c => Configure(c, upstream.Address, postgres.ConnectionString, key));
            await using var forwarder = await GatewayProcess.StartAsync(c => Configure(c, upstream.Address, postgres: null, key: null));

            var body = Encoding.UTF8.GetBytes("{\"event_type\":\"session.submitted\",\"data\":{\"sessionId\":\"" + new string('x', 950) + "\"}}");
            var bodyPath = Path.Combine(directory.FullName, "body.json");
            await File.WriteAllBytesAsync(bodyPath, body);
            var script = Wrk.WriteScript(directory.FullName);
            var table = new SignedRequestTable(body);
            var duration = TimeSpan.FromSeconds(seconds);
            Console.WriteLine($"queue-replicas: 2 replicas queueing on one PostgreSQL against a forwarded route, {body.Length}-byte bodies, {connections} connections, {rounds} rounds of {seconds} s, {Environment.ProcessorCount} cores");

            var ratios = new List<double>();
            var queuedLatencies = new List<(long P50, long P99)>();
            var drains = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                // Round -1 warms both up and is not reported.
                var forwardedFirst = round % 2 == 0;
                double forwarded = 0, queued = 0;
                for (var part = 0; part < 2; part++)
                {
                    if ((part == 0) == forwardedFirst)
                    {
                        forwarded = await RunForwardedAsync(forwarder, table, script, bodyPath, directory.FullName, connections, duration, upstream);
                    }
                    else
                    {
                        var (rate, p50, p99, drainSeconds) = await RunQueuedAsync([replicaA, replicaB], table, script, bodyPath, directory.FullName, connections, duration, upstream);
                        queued = rate;
                        if (round >= 0)
                        {
                            queuedLatencies.Add((p50, p99));
                            drains.Add(drainSeconds);
                        }
                    }
                }

                if (round >= 0)
                {
                    ratios.Add(queued / forwarded);
                    Console.WriteLine($"  round {round + 1}: forwarded {forwarded:N0} req/s, queued (2 replicas) {queued:N0} accepted/s, ratio ×{queued / forwarded:N3}, backlog delivered {drains[^1]:N1} s after the load stopped");
                }
            }

            Console.WriteLine();
            Console.WriteLine($"Queued acceptance on PostgreSQL, 2 replicas, against a forwarded route: ×{Median(ratios):N3} (median of {rounds} rounds); acceptance p50 {Median(queuedLatencies.Select(l => (double)l.P50)) / 1000:N2} ms, p99 {Median(queuedLatencies.Select(l => (double)l.P99)) / 1000:N2} ms; backlog delivered {Median(drains):N1} s after the load stopped (median).");
            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void Configure(Dictionary<string, string?> configuration, string upstream, string? postgres, string? key)
    {
        configuration[$"Webhooks:Policies:{LoadHost.Policy}:Secrets:0"] = LoadHost.Secret;
        configuration[$"ReverseProxy:Routes:{LoadHost.Route}:ClusterId"] = "upstream";
        configuration[$"ReverseProxy:Routes:{LoadHost.Route}:Match:Path"] = LoadHost.RoutePath;
        configuration[$"ReverseProxy:Routes:{LoadHost.Route}:Metadata:WebhookPolicy"] = LoadHost.Policy;
        configuration["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = upstream;
        configuration["Logging:LogLevel:Default"] = "Warning";
        if (postgres is not null)
        {
            configuration[$"ReverseProxy:Routes:{LoadHost.Route}:Metadata:WebhookDelivery"] = "Queue";
            configuration["ConnectionStrings:Postgres"] = postgres;
            configuration["Webhooks:Queue:EncryptionKeys:0"] = key;
        }
    }

    private static async Task<double> RunForwardedAsync(
        GatewayProcess gateway, SignedRequestTable table, string script, string bodyPath, string directory, int connections, TimeSpan duration, DrainUpstream upstream)
    {
        var prefix = WriteTable(table, directory, "forwarded", duration);
        var before = upstream.Count;
        var result = await Wrk.RunAsync(script, gateway.PublicUrl, 2, connections, duration, prefix, bodyPath, rate: null);
        Check(result, "forwarded");
        await WaitForAsync(upstream, before + result.Requests);
        return result.RequestsPerSecond;
    }

    private static async Task<(double Rate, long P50, long P99, double DrainSeconds)> RunQueuedAsync(
        GatewayProcess[] replicas, SignedRequestTable table, string script, string bodyPath, string directory, int connections, TimeSpan duration, DrainUpstream upstream)
    {
        var prefixes = replicas.Select((_, i) => WriteTable(table, directory, $"queued{i}", duration)).ToArray();
        var before = upstream.Count;
        var results = await Task.WhenAll(replicas.Select((replica, i) => Wrk.RunAsync(script, replica.PublicUrl, 1, connections / replicas.Length, duration, prefixes[i], bodyPath, rate: null)));
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        foreach (var result in results)
        {
            Check(result, "queued");
        }

        await WaitForAsync(upstream, before + results.Sum(r => r.Requests));
        return (results.Sum(r => r.RequestsPerSecond), results.Max(r => r.P50Microseconds), results.Max(r => r.P99Microseconds), stopped.Elapsed.TotalSeconds);
    }

    private static string WriteTable(SignedRequestTable table, string directory, string name, TimeSpan duration)
    {
        // Rows for far more than this machine can take in the run: a run that exhausts its table is reported.
        var prefix = Path.Combine(directory, name);
        table.Write(prefix, threads: 2, rowsPerThread: (int)(40_000 * duration.TotalSeconds), TimeProvider.System.GetUtcNow());
        return prefix;
    }

    private static void Check(WrkResult result, string what)
    {
        if (result.StatusErrors > 0 || result.SocketErrors > 0 || result.ExhaustedThreads > 0)
        {
            throw new InvalidOperationException($"The {what} run is not valid: {result.StatusErrors} 4xx/5xx, {result.SocketErrors} socket errors, {result.ExhaustedThreads} threads out of rows.");
        }
    }

    private static async Task WaitForAsync(DrainUpstream upstream, long count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (upstream.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The upstream has {upstream.Count} of {count} deliveries after 5 minutes.");
            }

            await Task.Delay(50);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
