using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// One host of the load benchmark, in a process of its own so that its allocation and memory figures are its own:
/// <list type="bullet">
/// <item><c>gateway</c>: the real gateway (<see cref="GatewayApplication.Build"/>) with the in-memory duplicate store, one route and one policy;</item>
/// <item><c>baseline</c>: plain YARP with the same Kestrel settings, the same route and cluster (so the same forwarder HttpClient), no verification;</item>
/// <item><c>floor</c>: that plain YARP with <see cref="FloorProxy"/> in its pipeline: the least a verifying proxy does;</item>
/// <item><c>upstream</c>: a minimal Kestrel app that reads the body, counts it and answers 200.</item>
/// </list>
/// Binds port 0 (the gateway's Management endpoint too), prints <see cref="ReadyPrefix"/> and the port its Public
/// endpoint got once listening, then answers <c>stats</c>, <c>allocations</c>,
/// <c>allocations-reset</c>, <c>live-heap</c> and <c>exit</c> on stdin.
/// </summary>
internal static class LoadHost
{
    public const string ReadyPrefix = "@@ready ";
    public const string AllocationsPrefix = "@@allocations ";
    public const string LiveHeapPrefix = "@@live-heap ";
    public const string Route = "bench";
    public const string RoutePath = "/webhooks/bench";
    public const string Policy = "bench";
    public const string Secret = "wh_sec_load_benchmark_only_not_a_real_secret";

    private const string AnyLoopbackPort = "http://127.0.0.1:0";

    private static long _requests;
    private static long _bodyBytes;

    public static async Task<int> RunAsync(string[] args)
    {
        var options = HostArguments.Parse(args);

        // The gateway reads no appsettings file and no environment: only its embedded defaults and our overrides.
        var emptyConfigDirectory = Directory.CreateTempSubdirectory("axgw-bench-config-");
        try
        {
            return await RunAsync(options, emptyConfigDirectory.FullName);
        }
        finally
        {
            emptyConfigDirectory.Delete(recursive: true);
        }
    }

    private static async Task<int> RunAsync(HostArguments options, string emptyConfigDirectory)
    {
        if (options.Role == "gateway")
        {
            // As shipped: a gateway process writes its console through this writer (GatewayApplication.RunAsync).
            ConsoleLogWriter.Install();
        }

        using var floor = options.Role == "floor" ? new FloorProxy(options.Tolerance + options.ExpiryMargin) : null;
        ListenOptions? gatewayPublic = null;
        await using var app = options.Role switch
        {
            "gateway" => BuildGateway(options, emptyConfigDirectory, endpoint => gatewayPublic = endpoint),
            "baseline" or "floor" => BuildPlainYarp(options, floor),
            "upstream" => BuildUpstream(),
            _ => throw new ArgumentException($"Unknown load host role '{options.Role}': use gateway, baseline, floor or upstream."),
        };

        using var sampler = options.SampleAllocations ? new AllocationSampler() : null;
        var store = options.Role == "gateway" ? app.Services.GetRequiredService<IDeduplicationStore>() as InMemoryDeduplicationStore : null;
        await app.StartAsync();

        // The gateway binds Public and Management: Public's port is the one its listen options got. The other hosts
        // bind one address.
        var port = gatewayPublic?.IPEndPoint?.Port
            ?? BindingAddress.Parse(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        Console.WriteLine(ReadyPrefix + port.ToString(CultureInfo.InvariantCulture));

        while (await Console.In.ReadLineAsync() is { } command && command != "exit")
        {
            if (command == "stats")
            {
                using var process = Process.GetCurrentProcess();
                Console.WriteLine(new HostStats(
                    GC.GetTotalAllocatedBytes(precise: true),
                    process.WorkingSet64,
                    GC.GetGCMemoryInfo().HeapSizeBytes,
                    (long)GC.GetTotalPauseDuration().TotalMicroseconds,
                    GC.CollectionCount(2),
                    Interlocked.Read(ref _requests),
                    Interlocked.Read(ref _bodyBytes),
                    store?.Count ?? floor?.StoreEntries ?? 0,
                    (long)process.TotalProcessorTime.TotalMicroseconds,
                    System.Runtime.JitInfo.GetCompiledMethodCount(),
                    (long)System.Runtime.JitInfo.GetCompilationTime().TotalMicroseconds).ToLine());
            }
            else if (command == "allocations")
            {
                Console.WriteLine(AllocationsPrefix + sampler?.Top(12));
            }
            else if (command == "allocations-reset")
            {
                sampler?.Reset();
                Console.WriteLine(AllocationsPrefix);
            }
            else if (command == "live-heap")
            {
                // What survives a full, blocking, compacting collection: the heap without the garbage it carries
                // between full collections. Asked for once the load has stopped (it pauses the process).
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                Console.WriteLine(LiveHeapPrefix + GC.GetGCMemoryInfo().HeapSizeBytes.ToString(CultureInfo.InvariantCulture) + " " + (store?.Count ?? floor?.StoreEntries ?? 0).ToString(CultureInfo.InvariantCulture));
            }
        }

        await app.StopAsync();
        return 0;
    }

    /// <summary>The configuration the gateway and plain YARP share: YARP's route and cluster.</summary>
    private static Dictionary<string, string?> ProxyConfiguration(HostArguments options) => new()
    {
        [$"ReverseProxy:Routes:{Route}:ClusterId"] = "upstream",
        [$"ReverseProxy:Routes:{Route}:Match:Path"] = RoutePath,
        ["ReverseProxy:Clusters:upstream:Destinations:upstream:Address"] = $"http://127.0.0.1:{options.UpstreamPort}/",
    };

    private static WebApplication BuildGateway(HostArguments options, string emptyConfigDirectory, Action<ListenOptions> publicEndpointBound)
    {
        var overrides = ProxyConfiguration(options);
        overrides["Kestrel:Endpoints:Public:Url"] = AnyLoopbackPort;
        overrides["Kestrel:Endpoints:Management:Url"] = AnyLoopbackPort;
        overrides[$"ReverseProxy:Routes:{Route}:Metadata:WebhookPolicy"] = Policy;
        overrides[$"Webhooks:Policies:{Policy}:Secrets:0"] = Secret;
        overrides[$"Webhooks:Policies:{Policy}:MaxBodyBytes"] = (1024 * 1024).ToString(CultureInfo.InvariantCulture);
        overrides[$"Webhooks:Policies:{Policy}:Tolerance"] = options.Tolerance.ToString("c", CultureInfo.InvariantCulture);
        overrides[$"Webhooks:Policies:{Policy}:Deduplication:ExpiryMargin"] = options.ExpiryMargin.ToString("c", CultureInfo.InvariantCulture);
        if (!options.Telemetry)
        {
            // Attribution runs only: the OpenTelemetry SDK's own switch, which turns its traces and metrics into no-ops.
            overrides["OTEL_SDK_DISABLED"] = "true";
        }

        foreach (var setting in options.Settings ?? [])
        {
            var (key, value) = setting.Split('=', 2) is [var k, var v] ? (k, v) : throw new ArgumentException($"--setting needs Key=Value, not '{setting}'.");
            overrides[key] = value;
        }

        return GatewayApplication.Build(new GatewayHostSettings
        {
            EnvironmentName = "Production",
            ReadEnvironment = false,
            ConfigDirectory = emptyConfigDirectory,
            Overrides = overrides,
            ConfigureServices = services => services.PostConfigure<KestrelServerOptions>(
                kestrel => kestrel.ConfigurationLoader?.Endpoint("Public", endpoint => publicEndpointBound(endpoint.ListenOptions))),
        });
    }

    private static WebApplication BuildPlainYarp(HostArguments options, FloorProxy? floor)
    {
        var settings = ProxyConfiguration(options);

        // Plain YARP logs nothing per request either way; the gateway keeps its shipped logging (GatewayDefaults).
        settings["Logging:LogLevel:Default"] = "Warning";

        // The gateway's Kestrel settings (GatewayDefaults), with one endpoint of our own.
        foreach (var (key, value) in GatewayDefaults.Values)
        {
            if (key.StartsWith("Kestrel:", StringComparison.Ordinal) && !key.StartsWith("Kestrel:Endpoints:", StringComparison.Ordinal))
            {
                settings[key] = value;
            }
        }

        settings["Kestrel:Endpoints:Public:Url"] = AnyLoopbackPort;

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);

        // As the gateway binds them (GatewayServiceCollectionExtensions.AddKestrelListeners).
        var kestrel = builder.Configuration.GetSection("Kestrel");
        builder.Services.Configure<KestrelServerOptions>(kestrel);
        builder.Services.PostConfigure<KestrelServerOptions>(kestrelOptions =>
        {
            var rate = kestrel.GetSection("Limits:MinRequestBodyDataRate");
            kestrelOptions.Limits.MinRequestBodyDataRate = new MinDataRate(rate.GetValue<double>("BytesPerSecond"), rate.GetValue<TimeSpan>("GracePeriod"));
        });
        builder.WebHost.ConfigureKestrel((context, kestrelOptions) => kestrelOptions.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: true));

        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        var app = builder.Build();
        if (floor is not null)
        {
            app.MapReverseProxy(pipeline => pipeline.Use(floor.VerifyThenForwardAsync));
        }
        else
        {
            app.MapReverseProxy();
        }

        return app;
    }

    private static WebApplication BuildUpstream()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
        });

        var app = builder.Build();
        app.Run(async context =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            long length = 0;
            try
            {
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    length += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            // Counted once the whole body arrived: the orchestrator checks the count and the bytes.
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _bodyBytes, length);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentLength = 0;
        });
        return app;
    }
}
