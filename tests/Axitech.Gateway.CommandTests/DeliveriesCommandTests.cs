using System.Security.Cryptography;
using System.Text;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// <c>deliveries</c> run as a process against a real SQLite queue that a store prepared and keeps open meanwhile, as a
/// running gateway would (the command is a second process on the WAL-mode file). Bodies are encrypted at rest, so
/// <c>show --body</c> also shows the command decrypts with the configured key.
/// </summary>
public sealed class DeliveriesCommandTests : IAsyncLifetime
{
    private const string BodyMarker = "BODY-MARKER-5f1c";
    private const string SignatureMarker = "SIGNATURE-MARKER-9a2e";
    private static readonly byte[] _body = [.. Enumerable.Range(0, 256).Select(i => (byte)i), .. Encoding.ASCII.GetBytes(BodyMarker)];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-deliveries-");
    private readonly ShiftedClock _clock = new();
    private readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private SqliteDeliveryStore _store = null!;
    private Guid _pending;
    private Guid _deadLongAgo;
    private Guid _deadRecently;

    private string DatabasePath => Path.Combine(_directory.FullName, "queue.db");

    public async ValueTask InitializeAsync()
    {
        _store = new SqliteDeliveryStore(new DeliveryQueueOptions { Path = DatabasePath, EncryptionKeys = [_key] }, _clock);
        _clock.Offset = TimeSpan.FromDays(-10);
        _deadLongAgo = await DeadAsync("claims");
        _clock.Offset = TimeSpan.FromDays(-1);
        _deadRecently = await DeadAsync("audit");
        _clock.Offset = TimeSpan.Zero;
        _pending = await AcceptAsync("claims", _body);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task List_ShowsEachDelivery_WithoutItsBodyOrSignature()
    {
        var all = await RunAsync("deliveries", "list");
        var dead = await RunAsync("deliveries", "list", "--state", "dead", "--route", "claims");

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Matches(@"^ID\s+ROUTE\s+STATE\s+ATTEMPTS\s+RECEIVED\s+NEXT ATTEMPT\s+LAST\n", all.StandardOutput);
        Assert.Matches($@"{_pending:D}\s+claims\s+pending\s+0\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-", all.StandardOutput);
        Assert.Matches($@"{_deadLongAgo:D}\s+claims\s+dead\s+1\s+\S+ \S+\s+-\s+max_attempts", all.StandardOutput);
        Assert.Contains(_deadRecently.ToString("D"), all.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(BodyMarker, all.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(SignatureMarker, all.AllOutput, StringComparison.Ordinal);

        Assert.True(dead.ExitCode == 0, dead.ToString());
        Assert.Contains(_deadLongAgo.ToString("D"), dead.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(_pending.ToString("D"), dead.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(_deadRecently.ToString("D"), dead.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_PrintsTheDetails_AndWithBodyTheExactDecryptedBytes()
    {
        var details = await RunAsync("deliveries", "show", _pending.ToString("D"));
        var (exitCode, stdout, stderr) = await RunRawAsync("deliveries", "show", _pending.ToString("D"), "--body");

        Assert.True(details.ExitCode == 0, details.ToString());
        Assert.Contains("route:", details.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("/hooks/a%2Fb?x=%C3%A9&y=+&z=", details.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("encrypted at rest", details.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(BodyMarker, details.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(SignatureMarker, details.AllOutput, StringComparison.Ordinal);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(_body, stdout);
    }

    [Fact]
    public async Task ShowBody_WithoutTheKey_ExitsOneNamingTheMissingKey()
    {
        var result = await RunAsync(["deliveries", "show", _pending.ToString("D"), "--body"], withKey: false);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("which is not among Webhooks:Queue:EncryptionKeys", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(BodyMarker, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_MovesADeadOneBackToPending_WithAttemptsReset()
    {
        var result = await RunAsync("deliveries", "replay", _deadLongAgo.ToString("D"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Replayed 1 delivery.", result.StandardOutput, StringComparison.Ordinal);
        var replayed = (await _store.GetAsync(_deadLongAgo, includeBody: false, default))!;
        Assert.Equal(DeliveryState.Pending, replayed.State);
        Assert.Equal(0, replayed.Attempts);
        Assert.Null(replayed.DeadAt);
        Assert.Equal(DeliveryState.Dead, (await _store.GetAsync(_deadRecently, false, default))!.State);
    }

    [Fact]
    public async Task ReplayDead_OfARoute_ReplaysThatRoutesDeadOnes()
    {
        var result = await RunAsync("deliveries", "replay", "--dead", "--route", "audit");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Replayed 1 delivery.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DeliveryState.Pending, (await _store.GetAsync(_deadRecently, false, default))!.State);
        Assert.Equal(DeliveryState.Dead, (await _store.GetAsync(_deadLongAgo, false, default))!.State);
    }

    [Fact]
    public async Task ReplayDead_SinceAndError_ReplaysWhatOneIncidentDeadLettered()
    {
        var since = _clock.GetUtcNow().AddDays(-2).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var wrongReason = await RunAsync("deliveries", "replay", "--dead", "--since", since, "--error", "status_400");
        var result = await RunAsync("deliveries", "replay", "--dead", "--since", since, "--error", "max_attempts");

        Assert.True(wrongReason.ExitCode == 0, wrongReason.ToString());
        Assert.Contains("Replayed 0 deliveries.", wrongReason.StandardOutput, StringComparison.Ordinal);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Replayed 1 delivery.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(DeliveryState.Pending, (await _store.GetAsync(_deadRecently, false, default))!.State);
        Assert.Equal(DeliveryState.Dead, (await _store.GetAsync(_deadLongAgo, false, default))!.State);
    }

    [Fact]
    public async Task PauseAndResume_AreKeptInTheStore_AndRoutesShowsEachQueuedRoute()
    {
        var paused = await RunAsync("deliveries", "pause", "--route", "claims");
        var again = await RunAsync("deliveries", "pause", "--route", "claims");
        var routes = await RunAsync("deliveries", "routes");
        var stored = await _store.GetPausedAsync(default);
        var resumed = await RunAsync("deliveries", "resume", "--route", "claims");
        var after = await RunAsync("deliveries", "routes");

        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.Contains("Paused route claims", paused.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Route claims was already paused.", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("claims", Assert.Single(stored).RouteId);
        Assert.True(routes.ExitCode == 0, routes.ToString());
        Assert.Matches(@"^ROUTE\s+STATE\s+PENDING\s+DEAD\s+OLDEST PENDING\s+RATE\s+CONCURRENCY\n", routes.StandardOutput);
        Assert.Matches(@"\nclaims\s+paused\s+1\s+1\s+\d+s\s+7/s\s+3\n", routes.StandardOutput);
        Assert.Matches(@"\naudit \(not queued\)\s+delivering\s+0\s+1\s+-\s+unlimited\s+4\n", routes.StandardOutput);
        Assert.Contains("Resumed route claims", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(await _store.GetPausedAsync(default));
        Assert.Matches(@"\nclaims\s+delivering\s+1", after.StandardOutput);
    }

    [Fact]
    public async Task Routes_ShowsARouteAReplicaReportsBackingOff()
    {
        await _store.ReportBackoffAsync("claims", "replica-a", _clock.GetUtcNow().AddMinutes(-20), default);

        var routes = await RunAsync("deliveries", "routes");

        Assert.True(routes.ExitCode == 0, routes.ToString());
        Assert.Matches(@"\nclaims\s+backing_off \(20m\d+s\)\s+1\s+1", routes.StandardOutput);
    }

    [Fact]
    public async Task PurgeDead_OlderThan_DeletesOnlyDeadOnesOlderThanThat()
    {
        var result = await RunAsync("deliveries", "purge", "--dead", "--older-than", "7.00:00:00");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Purged 1 delivery dead for at least 7.00:00:00.", result.StandardOutput, StringComparison.Ordinal);
        Assert.Null(await _store.GetAsync(_deadLongAgo, false, default));
        Assert.NotNull(await _store.GetAsync(_deadRecently, false, default));
        Assert.NotNull(await _store.GetAsync(_pending, false, default));
    }

    [Theory]
    [InlineData("show", "{unknown}", "There is no delivery {unknown}.")]
    [InlineData("replay", "{unknown}", "There is no delivery {unknown}; nothing was replayed.")]
    [InlineData("show", "not-an-id", "'not-an-id' is not a delivery id")]
    [InlineData("purge", "--dead --older-than banana", "--older-than 'banana' is not a duration")]
    [InlineData("purge", "--older-than 1.00:00:00", "give --dead")]
    [InlineData("replay", "--route claims", "Give the ids to replay, or --dead")]
    [InlineData("replay", "{unknown} --error status_400", "--route, --since, --until and --error go with --dead")]
    [InlineData("replay", "--dead --since yesterday", "--since 'yesterday' is not a time")]
    [InlineData("replay", "--dead --error Status-400", "--error 'Status-400' is not an error code")]
    [InlineData("replay", "--dead --since 2026-12-08T04:00:00Z --until 2026-12-08T03:00:00Z", "--since must be before --until")]
    [InlineData("pause", "--route nowhere", "Route 'nowhere' is not a queued route of this configuration (claims)")]
    public async Task Mistakes_ExitOne_WithAOneLineMessage_AndNoStackTrace(string subcommand, string arguments, string message)
    {
        var unknown = Guid.CreateVersion7().ToString("D");

        var result = await RunAsync(["deliveries", subcommand, .. arguments.Replace("{unknown}", unknown, StringComparison.Ordinal).Split(' ')]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message.Replace("{unknown}", unknown, StringComparison.Ordinal), result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", result.AllOutput, StringComparison.Ordinal);
        Assert.Equal(3, (await _store.ListAsync(new DeliveryQuery(), default)).Count);
    }

    [Fact]
    public async Task NoQueueAtThePath_ExitsOne_SayingWhereItLooked()
    {
        var missing = Path.Combine(_directory.FullName, "elsewhere", "queue.db");

        var result = await GatewayExecutable.RunAsync(["deliveries", "list"], Environment(missing, withKey: true));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"There is no delivery queue at {missing}", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    private async Task<Guid> AcceptAsync(string route, byte[] body)
    {
        var result = await _store.AcceptAsync(new NewDelivery
        {
            RouteId = route,
            DedupKey = "axitech:" + Guid.NewGuid().ToString("N"),
            Method = "POST",
            RawTarget = "/hooks/a%2Fb?x=%C3%A9&y=+&z=",
            Signature = "v1=" + SignatureMarker,
            Timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContentType = "application/json",
            Body = body,
            DedupExpiresAt = _clock.GetUtcNow().AddMinutes(10),
        }, default);
        Assert.Equal(AcceptOutcome.Accepted, result.Outcome);
        return result.Id;
    }

    private async Task<Guid> DeadAsync(string route)
    {
        var id = await AcceptAsync(route, Encoding.ASCII.GetBytes(BodyMarker));
        var leased = Assert.Single(await _store.LeaseDueAsync(route, 1, "test", TimeSpan.FromMinutes(1), default));
        Assert.True(await _store.DeadLetterAsync(leased.Lease, 503, DeliveryErrors.MaxAttempts, null, default));
        return id;
    }

    private Task<CommandResult> RunAsync(params string[] args) => RunAsync(args, withKey: true);

    private Task<CommandResult> RunAsync(string[] args, bool withKey) => GatewayExecutable.RunAsync(args, Environment(DatabasePath, withKey));

    private Dictionary<string, string?> Environment(string path, bool withKey)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Webhooks__Queue__Path"] = path,
            ["Webhooks__Policies__axitech__Secrets__0"] = "wh_sec_commands",
            ["ReverseProxy__Routes__claims__ClusterId"] = "upstream",
            ["ReverseProxy__Routes__claims__Match__Path"] = "/hooks/{**rest}",
            ["ReverseProxy__Routes__claims__Metadata__WebhookPolicy"] = "axitech",
            ["ReverseProxy__Routes__claims__Metadata__WebhookDelivery"] = "Queue",
            ["ReverseProxy__Routes__claims__Metadata__WebhookDeliveryRate"] = "7",
            ["ReverseProxy__Routes__claims__Metadata__WebhookDeliveryConcurrency"] = "3",
            ["ReverseProxy__Clusters__upstream__Destinations__d1__Address"] = "http://127.0.0.1:1",
        };
        if (withKey)
        {
            environment["Webhooks__Queue__EncryptionKeys__0"] = _key;
        }

        return environment;
    }

    /// <summary>Runs the command and keeps stdout as bytes (the shared runner decodes it as UTF-8, which a binary body is not).</summary>
    private async Task<(int ExitCode, byte[] StandardOutput, string StandardError)> RunRawAsync(params string[] args)
    {
        using var process = ChildProcess.Start(GatewayExecutable.CreateStartInfo(args, Environment(DatabasePath, withKey: true)));
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await copy;
        return (process.ExitCode, stdout.ToArray(), await stderr);
    }

    /// <summary>The real clock moved by <see cref="Offset"/>: rows dead "10 days ago" for a command that reads the real time.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }
}
