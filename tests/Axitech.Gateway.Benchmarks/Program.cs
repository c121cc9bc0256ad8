using Axitech.Gateway.Benchmarks.Deduplication;
using Axitech.Gateway.Benchmarks.DeliveryConsole;
using Axitech.Gateway.Benchmarks.Load;
using Axitech.Gateway.Benchmarks.Queue;
using Axitech.Gateway.Benchmarks.Soak;
using Axitech.Gateway.Benchmarks.Verification;
using BenchmarkDotNet.Running;

// Entry points, documented in the README ("Performance") and tests/Axitech.Gateway.Benchmarks/README.md:
//   (BenchmarkDotNet arguments)    the micro-benchmarks, e.g. --filter '*' or --filter '*' --job short
//   --store-memory                 the duplicate store's memory for a million live entries
//   --verify-interleaved           verification vs its floor, interleaved in one process
//   --packages-interleaved         Axitech.Webhooks.AspNetCore's filters vs their baselines, interleaved in one app
//   load [--soak] [options]        the load benchmark: gateway against plain YARP, driven by wrk
//   load-host <role> [options]     internal: one host of the load benchmark, started by `load`
//   soak [options]                 the hardening soak: genuine deliveries and forgeries against the gateway process
//   queue-drain [options]          how fast the delivery workers empty a queued backlog into a fast upstream
//   queue-outage [options]         a queued backlog through an upstream outage: attempts made, dead letters, time to empty
//   flush-rate [folder] [--postgres CS]  sequential durable commits per second (SQLite WAL FULL, PostgreSQL)
//   queue-replicas [options]       queued acceptance by two gateways on one PostgreSQL against a forwarded route
//   console-pages [options]        the delivery console's pages with 100,000 deliveries stored (SQLite, PostgreSQL)
if (args is ["--store-memory", ..])
{
    StoreMemoryMeasurement.Print(StoreMemoryMeasurement.Measure(), Console.Out);
    return 0;
}

if (args is ["--verify-interleaved", ..])
{
    InterleavedVerificationCheck.Run(Console.Out);
    return 0;
}

if (args is ["--packages-interleaved", ..])
{
    return await Axitech.Gateway.Benchmarks.Packages.PackageFiltersCheck.RunAsync(Console.Out).ConfigureAwait(false);
}

if (args is ["load", .. var loadArgs])
{
    return await LoadBenchmark.RunAsync(loadArgs).ConfigureAwait(false);
}

if (args is ["flush-rate", .. var flushArgs])
{
    return await FlushRate.RunAsync(flushArgs).ConfigureAwait(false);
}

if (args is ["soak", .. var soakArgs])
{
    return await SoakCommand.RunAsync(soakArgs).ConfigureAwait(false);
}

if (args is ["queue-replicas", .. var replicaArgs])
{
    return await QueueReplicasBenchmark.RunAsync(replicaArgs).ConfigureAwait(false);
}

if (args is ["queue-drain", .. var drainArgs])
{
    return await QueueDrainBenchmark.RunAsync(drainArgs).ConfigureAwait(false);
}

if (args is ["console-pages", .. var consoleArgs])
{
    return await ConsolePagesBenchmark.RunAsync(consoleArgs).ConfigureAwait(false);
}

if (args is ["queue-outage", .. var outageArgs])
{
    return await QueueOutageBenchmark.RunAsync(outageArgs).ConfigureAwait(false);
}

if (args is ["load-host", .. var hostArgs])
{
    return await LoadHost.RunAsync(hostArgs).ConfigureAwait(false);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(WebhookVerifierBenchmarks).Assembly).Run(args);

// BenchmarkDotNet runs the floor and the verifier in separate processes, one after the other; on a shared machine the
// interleaved check is the steadier ratio, so it follows the verifier benchmarks in the same run.
if (summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(WebhookVerifierBenchmarks))))
{
    InterleavedVerificationCheck.Run(Console.Out);
}

// The store's memory per entry is not something BenchmarkDotNet measures (it reports allocations, not what stays
// live), so it follows the store benchmarks in the same run.
if (summaries.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(InMemoryDeduplicationStoreBenchmarks))))
{
    StoreMemoryMeasurement.Print(StoreMemoryMeasurement.Measure(), Console.Out);
}

return 0;
