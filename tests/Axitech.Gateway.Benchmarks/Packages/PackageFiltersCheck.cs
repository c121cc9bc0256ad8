using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Axitech.Gateway.Testing.Services;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.Benchmarks.Packages;

/// <summary>
/// What Axitech.Webhooks.AspNetCore adds to a request, measured as the ratio and the difference of two endpoints of one
/// app on Kestrel, driven over loopback by one sequential client: blocks of requests to each alternate (order swapped
/// every round), and the medians of the per-round values are reported, so that a neighbour's burst spoils a few rounds,
/// not the result. Pairs: an unverified endpoint against <c>RequireAxitechSignature</c> (1 KiB, 64 KiB), and verified
/// against verified plus <c>RequireDeliveryIdempotency</c> with the in-memory cache and with Redis (a new delivery id
/// per request: the claim, the handler and the record).
/// </summary>
internal static class PackageFiltersCheck
{
    private const int Rounds = 61;
    private const int Block = 40;
    private const string Secret = "wh_sec_benchmark_secret";

    public static async Task<int> RunAsync(TextWriter output)
    {
        RedisServer? redis = null;
        try
        {
            redis = await RedisServer.StartAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Without redis-server the Redis row is left out, not the rest.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            output.WriteLine($"Redis row left out: {ex.Message}");
        }

        try
        {
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Axitech.Webhooks.AspNetCore's filters against their baseline, one sequential loopback client, {Rounds} rounds of {Block}-request blocks, order alternating:"));
            output.WriteLine();
            output.WriteLine("| Filter | Body | Baseline (median per request) | With the filter (median) | Added (median of rounds) | Ratio (median) | Ratio p10–p90 |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var size in new[] { 1024, 64 * 1024 })
            {
                await CompareInProcessAsync(output, size).ConfigureAwait(false);
            }

            await using (var app = await StartAsync(redis: null).ConfigureAwait(false))
            {
                foreach (var size in new[] { 1024, 64 * 1024 })
                {
                    await CompareAsync(output, app, "RequireAxitechSignature vs unverified", size, "/plain", "/verified", withIds: false).ConfigureAwait(false);
                }

                await CompareAsync(output, app, "RequireDeliveryIdempotency, memory, vs verified only", 1024, "/verified", "/once", withIds: true).ConfigureAwait(false);
            }

            if (redis is not null)
            {
                await using var app = await StartAsync(redis.ConnectionString).ConfigureAwait(false);
                await CompareAsync(output, app, "RequireDeliveryIdempotency, Redis (unix socket), vs verified only", 1024, "/verified", "/once", withIds: true).ConfigureAwait(false);
            }
        }
        finally
        {
            if (redis is not null)
            {
                await redis.DisposeAsync().ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static async Task CompareAsync(TextWriter output, App app, string name, int size, string baselinePath, string filterPath, bool withIds)
    {
        var body = new byte[size];
        Random.Shared.NextBytes(body);
        var timestamp = WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow());
        await AlternateAsync(
            output,
            $"{name} | {size / 1024} KiB",
            5,
            Rounds,
            () => TimeAsync(app, baselinePath, body, timestamp, withIds),
            () => TimeAsync(app, filterPath, body, timestamp, withIds)).ConfigureAwait(false);
    }

    /// <summary>The verification's own CPU, without a socket: the same alternation over <see cref="SignatureVerificationWork"/>.</summary>
    private static async Task CompareInProcessAsync(TextWriter output, int size)
    {
        const int Operations = 200;
        var work = new SignatureVerificationWork { BodyBytes = size };
        work.Setup();
        await AlternateAsync(
            output,
            $"RequireAxitechSignature's work, in process (no socket) | {size / 1024} KiB",
            20,
            201,
            () => TimeAsync(work.ReadBodyOnly),
            () => TimeAsync(work.VerifyThenReadBody)).ConfigureAwait(false);

        static async Task<double> TimeAsync(Func<Task<long>> operation)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Operations; i++)
            {
                await operation().ConfigureAwait(false);
            }

            return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Operations;
        }
    }

    /// <summary>
    /// Times <paramref name="baseline"/> and <paramref name="filtered"/> (each one block, in µs per operation) in
    /// alternation, order swapped every round, after <paramref name="warmup"/> unreported rounds, and prints a row of
    /// the medians.
    /// </summary>
    private static async Task AlternateAsync(TextWriter output, string row, int warmup, int rounds, Func<Task<double>> baseline, Func<Task<double>> filtered)
    {
        var baselines = new List<double>();
        var filtereds = new List<double>();
        var added = new List<double>();
        var ratios = new List<double>();
        for (var round = -warmup; round < rounds; round++)
        {
            double b, f;
            if (round % 2 == 0)
            {
                b = await baseline().ConfigureAwait(false);
                f = await filtered().ConfigureAwait(false);
            }
            else
            {
                f = await filtered().ConfigureAwait(false);
                b = await baseline().ConfigureAwait(false);
            }

            if (round >= 0)
            {
                baselines.Add(b);
                filtereds.Add(f);
                added.Add(f - b);
                ratios.Add(f / b);
            }
        }

        ratios.Sort();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {row} | {Median(baselines):N2} µs | {Median(filtereds):N2} µs | {Median(added):N2} µs | {ratios[ratios.Count / 2]:N3} | {ratios[ratios.Count / 10]:N3}–{ratios[ratios.Count * 9 / 10]:N3} |"));
    }

    /// <summary>Microseconds per request over one block.</summary>
    private static async Task<double> TimeAsync(App app, string path, byte[] body, string timestamp, bool withIds)
    {
        var signature = AxitechSignature.Sign(Secret, "POST", path, timestamp, body);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < Block; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app.Address, path));
            request.Headers.TryAddWithoutValidation(AxitechSignature.SignatureHeaderName, signature);
            request.Headers.TryAddWithoutValidation(AxitechSignature.TimestampHeaderName, timestamp);
            if (withIds)
            {
                request.Headers.TryAddWithoutValidation("X-Axitech-Delivery-Id", Guid.NewGuid().ToString("D"));
            }

            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await app.Client.SendAsync(request).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }

        return Stopwatch.GetElapsedTime(started).TotalMicroseconds / Block;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static async Task<App> StartAsync(string? redis)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = Secret,
            ["Webhooks:Policies:axitech:Tolerance"] = "01:00:00",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddAxitechWebhooks();
        if (redis is not null)
        {
            builder.Services.AddStackExchangeRedisCache(o => o.Configuration = redis);
        }

        var app = builder.Build();

        // Every handler reads the whole body, as a real one would.
        static async Task<IResult> Handle(HttpRequest request)
        {
            await request.Body.CopyToAsync(Stream.Null).ConfigureAwait(false);
            return Results.Ok();
        }

        app.MapPost("/plain", Handle);
        app.MapPost("/verified", Handle).RequireAxitechSignature("axitech");
        app.MapPost("/once", Handle).RequireAxitechSignature("axitech").RequireDeliveryIdempotency();
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new App(app, new Uri(address));
    }

    private sealed class App(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address { get; } = address;

        public HttpClient Client { get; } = new();

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
