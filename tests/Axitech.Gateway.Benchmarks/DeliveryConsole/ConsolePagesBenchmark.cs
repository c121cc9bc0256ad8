using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Gateway.Testing.Services;

namespace Axitech.Gateway.Benchmarks.DeliveryConsole;

/// <summary>
/// <c>console-pages [--rows N] [--rounds N] [--sqlite-only]</c>: how long the console's pages take to render with a
/// store of 100,000 deliveries, on SQLite and on PostgreSQL (a server of its own, started as the tests start theirs).
/// A real gateway in this process on Kestrel, a signed-in client on loopback; each round requests every page once, in
/// turn, with the sign-in form (rendered for an anonymous client: no store query) as the baseline in the same round.
/// The schema is the queue's own (version 4: the console's indexes and the attempt history), statistics analysed.
/// </summary>
internal static partial class ConsolePagesBenchmark
{
    private const string User = "bench";
    private const string Password = "bench-password";

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Option(args, "--rows", 100_000);
        var rounds = Option(args, "--rounds", 200);
        var directory = Directory.CreateTempSubdirectory("axgw-console-bench-").FullName;
        try
        {
            await MeasureAsync("SQLite", rows, rounds, c => c["Webhooks:Queue:Path"] = Path.Combine(directory, "queue.db"), ConsoleRows.FillSqliteAsync);
            if (!args.Contains("--sqlite-only"))
            {
                await using var postgres = await PostgresServer.StartAsync();
                var connectionString = await postgres.CreateSchemaAsync();
                await MeasureAsync("PostgreSQL", rows, rounds, c => c["ConnectionStrings:Postgres"] = connectionString, ConsoleRows.FillPostgresAsync);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static async Task MeasureAsync(string engine, int rows, int rounds, Action<Dictionary<string, string?>> store, Func<IServiceProvider, int, Task<IReadOnlyList<Guid>>> fill)
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Queue";
            c["ReverseProxy:Routes:other:Metadata:WebhookDelivery"] = "Queue";
            c[$"Gateway:Console:Users:{User}:PasswordHash"] = BCrypt.Net.BCrypt.HashPassword(Password, 4);
            c[$"Gateway:Console:Users:{User}:Role"] = "Operator";
            store(c);
        });
        var filling = Stopwatch.StartNew();
        var ids = await fill(gateway.Services, rows);
        Console.WriteLine($"{engine}: {rows:N0} deliveries stored in {filling.Elapsed.TotalSeconds:0.0} s.");

        using var client = await SignedInClientAsync(gateway.ManagementPort);
        using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
        await MeasurePagesAsync($"{engine}, the queue's schema", client, anonymous, ids, rounds);
    }

    private static async Task MeasurePagesAsync(string title, HttpClient client, HttpClient anonymous, IReadOnlyList<Guid> ids, int rounds)
    {
        var first = await client.GetStringAsync(new Uri("/console/deliveries", UriKind.Relative));
        var after = NextPage().Match(first).Groups[1].Value;
        var pages = new (string Name, Func<int, string> Path)[]
        {
            ("sign-in form (baseline: no store query)", _ => "/console/sign-in"),
            ("routes", _ => "/console/"),
            ("deliveries, newest first", _ => "/console/deliveries"),
            ("deliveries, oldest first", _ => "/console/deliveries?order=oldest"),
            ("deliveries, next page", _ => "/console/deliveries?after=" + after),
            ("deliveries, route + dead", _ => "/console/deliveries?route=claims&state=dead"),
            ("deliveries, error status_400", _ => "/console/deliveries?error=status_400"),
            ("deliveries, last 24 hours, route other", _ => "/console/deliveries?route=other&from=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture))),
            ("one delivery", i => $"/console/deliveries/{ids[i % ids.Count]}"),
        };

        var timings = pages.Select(_ => new List<double>()).ToArray();
        for (var round = -10; round < rounds; round++)
        {
            for (var p = 0; p < pages.Length; p++)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await (p == 0 ? anonymous : client).GetAsync(new Uri(pages[p].Path(round + 10), UriKind.Relative));
                _ = await response.Content.ReadAsByteArrayAsync();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{pages[p].Path(round + 10)} answered {(int)response.StatusCode}.");
                }

                if (round >= 0)
                {
                    timings[p].Add(elapsed);
                }
            }
        }

        var baseline = Median(timings[0]);
        Console.WriteLine($"{title}: {rounds} rounds (each page once per round, in turn), ms:");
        Console.WriteLine($"  {"page",-42} {"median",8} {"p95",8} {"× baseline",11}");
        for (var p = 0; p < pages.Length; p++)
        {
            var median = Median(timings[p]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {pages[p].Name,-42} {median,8:0.0} {Percentile(timings[p], 0.95),8:0.0} {median / baseline,11:0.0}"));
        }
    }

    private static async Task<HttpClient> SignedInClientAsync(int managementPort)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };
        var form = await client.GetStringAsync(new Uri("/console/sign-in", UriKind.Relative));
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var content = new FormUrlEncodedContent([new("name", User), new("password", Password), new("__RequestVerificationToken", token)]);
        using var signedIn = await client.PostAsync(new Uri("/console/sign-in", UriKind.Relative), content);
        if (!signedIn.RequestMessage!.RequestUri!.AbsolutePath.Equals("/console/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Sign-in failed: {(int)signedIn.StatusCode} at {signedIn.RequestMessage.RequestUri}.");
        }

        return client;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    private static int Option(string[] args, string name, int fallback)
        => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("after=([0-9]+_[0-9a-f]{32})")]
    private static partial Regex NextPage();
}
