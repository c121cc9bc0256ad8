using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing.Deliveries;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Gateway.Testing.Networking;
using Axitech.Webhooks;

namespace Axitech.Gateway.Testing.Soak;

/// <summary>
/// A bounded soak against the built gateway as its own process: a paced load generator (several concurrent senders,
/// a steady rate) sends unique genuine deliveries from the vendor's address (127.0.0.2) and 20% forgeries from
/// another (127.0.0.3), with failure throttling on as in production, sampling the gateway's memory as it goes.
/// <see cref="SoakReport.Violations"/> says which promise broke. The benchmarks run it for minutes (<c>soak</c>); a
/// functional test runs it for seconds.
/// </summary>
public static partial class HardeningSoak
{
    private const string Target = TestGateway.ClaimsPath + "/soak";

    /// <summary>Starts the gateway process (and its upstream), runs the soak against it and stops it.</summary>
    public static async Task<SoakReport> RunAsync(SoakOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var gateway = await GatewayProcess.StartAsync(c =>
        {
            // Failure throttling on, as in production (the test configuration turns it off).
            c["Gateway:FailureThrottling:Enabled"] = null;
            c["Logging:LogLevel:Axitech.Gateway.Verification"] = "Error";
        });
        return await RunAsync(gateway, options);
    }

    public static async Task<SoakReport> RunAsync(GatewayProcess gateway, SoakOptions options)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(options);
        using var vendor = LoopbackHttpClient.Create(gateway.PublicPort, IPAddress.Parse("127.0.0.2"));
        using var attacker = LoopbackHttpClient.Create(gateway.PublicPort, IPAddress.Parse("127.0.0.3"));
        using var management = new HttpClient { BaseAddress = gateway.ManagementUrl };

        var authentic = new ConcurrentQueue<SoakReport.Authentic>();
        var forged = new ConcurrentQueue<SoakReport.Forged>();
        var errors = new ConcurrentQueue<string>();
        var memory = new ConcurrentQueue<SoakReport.MemorySample>();
        var total = (int)(options.Duration.TotalSeconds * options.RatePerSecond);
        var clock = Stopwatch.StartNew();

        var sampler = Task.Run(async () =>
        {
            while (clock.Elapsed < options.Duration)
            {
                memory.Enqueue(new(clock.Elapsed.TotalSeconds, gateway.ResidentBytes(), await GcHeapBytesAsync(management)));
                await Task.Delay(options.SampleInterval);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, options.Senders).Select(sender => Task.Run(async () =>
        {
            for (var slot = sender; slot < total; slot += options.Senders)
            {
                var due = TimeSpan.FromSeconds((double)slot / options.RatePerSecond);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                try
                {
                    if (slot % 5 == 4)
                    {
                        var (reason, delivery) = Forgery(slot);
                        using var response = await attacker.SendAsync(delivery.ToHttpRequest(gateway.PublicPort));
                        var body = await response.Content.ReadAsByteArrayAsync();
                        forged.Enqueue(new(reason, (int)response.StatusCode, ProblemReason.Of(response.Content.Headers.ContentType?.MediaType, body)));
                    }
                    else
                    {
                        var delivery = SignedRequest.Create(Target);
                        var started = Stopwatch.GetTimestamp();
                        using var response = await vendor.SendAsync(delivery.ToHttpRequest(gateway.PublicPort));
                        authentic.Enqueue(new(delivery.Body, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    errors.Enqueue($"slot {slot}: {ex.GetType().Name}: {ex.Message}");
                }
            }
        })));
        var sendingTook = clock.Elapsed;
        await sampler;
        memory.Enqueue(new(clock.Elapsed.TotalSeconds, gateway.ResidentBytes(), await GcHeapBytesAsync(management)));
        var metrics = await management.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        return new SoakReport(options, sendingTook, [.. authentic], [.. forged], [.. errors], [.. gateway.Upstream.Received.Select(r => r.Body)], [.. memory], metrics);
    }

    private static (string Reason, SignedRequest Delivery) Forgery(int slot) => (slot / 5 % 3) switch
    {
        0 => ("invalid_signature", SignedRequest.Create(Target, secret: "wh_sec_attacker")),
        1 => ("stale_timestamp", SignedRequest.Create(Target, timestamp: WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow().AddMinutes(-10)))),
        _ => ("invalid_signature", SignedRequest.Create(Target) with { Signature = new string('f', 64) }),
    };

    private static async Task<long> GcHeapBytesAsync(HttpClient management)
        => HeapLine().Matches(await management.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^dotnet_gc_last_collection_heap_size_bytes\{[^}]*\} (?<value>\d+)", RegexOptions.Multiline)]
    private static partial Regex HeapLine();
}
