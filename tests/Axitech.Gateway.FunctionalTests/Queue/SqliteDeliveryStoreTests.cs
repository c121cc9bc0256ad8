using Axitech.Gateway.Queue;
using Microsoft.Data.Sqlite;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>The store's behaviour on a real SQLite file on disk, and what only the embedded engine has to show.</summary>
public sealed class SqliteDeliveryStoreTests : DeliveryStoreTests
{
    private DirectoryInfo _directory = null!;

    public SqliteDeliveryStoreTests(ITestOutputHelper output) => Output = output;

    /// <summary>In a folder that does not exist yet: the store creates it.</summary>
    private string DatabasePath => Path.Combine(_directory.FullName, "data", "queue.db");

    public override ValueTask InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("axgw-queue-");
        return ValueTask.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    private protected override SqlDeliveryStore NewStore(DeliveryQueueOptions options) => new SqliteDeliveryStore(options with { Path = DatabasePath }, Time);

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override Task<IAsyncDisposable> StallWritesAsync() => DatabaseStalls.LockSqliteAsync(DatabasePath);

    /// <summary>SQLite cannot add a constraint to a table: a trigger refuses the route's rows (SQLITE_CONSTRAINT).</summary>
    protected override Task RefuseRouteAsync(string route)
        => ExecuteRawAsync($"CREATE TRIGGER refuse_route BEFORE INSERT ON deliveries WHEN NEW.route = '{route}' BEGIN SELECT RAISE(ABORT, 'route refused'); END;");

    /// <summary>The database file and its write-ahead log, where a commit lands first.</summary>
    protected override Task<bool> StorageContainsAsync(byte[] marker)
        => Task.FromResult(new[] { DatabasePath, DatabasePath + "-wal" }
            .Where(File.Exists)
            .Any(file => File.ReadAllBytes(file).AsSpan().IndexOf(marker) >= 0));

    [Fact]
    public async Task TheFile_IsCreatedWithItsFolder_InWalMode()
    {
        await CreateStoreAsync();

        Assert.True(File.Exists(DatabasePath));
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task UnwritableLocation_AcceptanceIsUnavailable_AndNothingIsAccepted()
    {
        // We run as root, which ignores permission bits (CAP_DAC_OVERRIDE): a chmod 0500 folder is still writable. But
        // nobody, root included, can create a file inside a regular file: the path's parent is a file (ENOTDIR).
        var blocker = Path.Combine(_directory.FullName, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a regular file");
        await using var store = new SqliteDeliveryStore(new DeliveryQueueOptions { Path = Path.Combine(blocker, "queue.db") }, Time);

        var result = await store.AcceptAsync(Delivery(NewKey()), default);

        Assert.Equal(AcceptResult.Unavailable, result);
        await Assert.ThrowsAsync<DeliveryStoreUnavailableException>(() => store.InitializeAsync(default));
        await Assert.ThrowsAsync<DeliveryStoreUnavailableException>(() => store.LeaseDueAsync(Route, 1, Owner, Lease, default));
        Assert.False(await store.PingAsync(default));
        Assert.Equal(0, store.CommittedAcceptances);
    }

    [Fact]
    public async Task LocationLostMidRun_AcceptanceIsUnavailable_AndRecoversWhenItIsBack()
    {
        var store = await CreateStoreAsync();
        var before = await AcceptedAsync(store, Delivery(NewKey()));
        var folder = Path.GetDirectoryName(DatabasePath)!;
        var moved = folder + "-moved";

        // The folder is moved away and a regular file takes its name (unwritable for root too, see above); the pooled
        // connections are closed, so the store's next connection has to open the path again.
        Directory.Move(folder, moved);
        await File.WriteAllTextAsync(folder, "a regular file");
        SqliteConnection.ClearAllPools();
        var during = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => store.AcceptAsync(Delivery(NewKey()), default)));
        Assert.False(await store.PingAsync(default));

        File.Delete(folder);
        Directory.Move(moved, folder);
        var after = await AcceptedAsync(store, Delivery(NewKey()));

        Assert.All(during, r => Assert.Equal(AcceptResult.Unavailable, r));
        Assert.Equal(new[] { before, after }.Order(), (await store.ListAsync(new DeliveryQuery(), default)).Select(d => d.Id).Order());
    }

    [Fact]
    public async Task AVersion1File_IsMigrated_KeepsItsDeliveries_AndItsLeaseQuerySortsNothing()
    {
        var first = await CreateStoreAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await AcceptedAsync(first, Delivery(NewKey())));
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        // The file as version 1 left it: the due index without the lease's order.
        await ExecuteRawAsync("""
            DROP INDEX deliveries_due;
            CREATE INDEX deliveries_due ON deliveries (route, state, next_attempt_at);
            DROP TABLE delivery_routes;
            DROP TABLE delivery_route_states;
            DROP INDEX deliveries_dead;
            DELETE FROM delivery_schema_version WHERE version >= 2;
            """ + UndoVersion4);

        var migrated = await CreateStoreAsync();

        Assert.Equal("1,2,3,4", await ScalarAsync("SELECT group_concat(version) FROM (SELECT version FROM delivery_schema_version ORDER BY version)"));
        Assert.Equal("route,state,next_attempt_at,received_at,id", await ScalarAsync("SELECT group_concat(name) FROM (SELECT name FROM pragma_index_info('deliveries_due') ORDER BY seqno)"));
        // The lease's selection (SqlDeliveryStore.LeaseDueAsync) walks the index in order: no temporary sort.
        var plan = await QueryPlanAsync("""
            SELECT id FROM deliveries
            WHERE route = 'claims' AND state = 'pending' AND next_attempt_at <= 0 AND (lease_owner IS NULL OR leased_until <= 0)
            ORDER BY next_attempt_at, received_at, id LIMIT 4
            """);
        Assert.Contains("USING INDEX deliveries_due", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
        var leased = await migrated.LeaseDueAsync(Route, 10, Owner, Lease, default);
        Assert.Equal(ids, leased.Select(d => d.Lease.Id));
    }

    [Fact]
    public async Task AVersion3File_IsMigrated_KeepsPendingAndDeadDeliveries_AndTheConsolesQueriesUseIndexes()
    {
        var first = await CreateStoreAsync();
        var dead = await AcceptedAsync(first, Delivery(NewKey()));
        Assert.True(await first.DeadLetterAsync(Assert.Single(await first.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease, 400, DeliveryErrors.Status(400), null, default));
        var pending = await AcceptedAsync(first, Delivery(NewKey()));

        await ExecuteRawAsync(UndoVersion4);

        var migrated = await CreateStoreAsync();

        Assert.Equal("1,2,3,4", await ScalarAsync("SELECT group_concat(version) FROM (SELECT version FROM delivery_schema_version ORDER BY version)"));
        Assert.Equal(DeliveryState.Dead, (await migrated.GetAsync(dead, false, default))!.State);
        Assert.Empty(await migrated.GetAttemptsAsync(dead, default));
        var leased = Assert.Single(await migrated.LeaseDueAsync(Route, 10, Owner, Lease, default));
        Assert.Equal(pending, leased.Lease.Id);
        var attempt = new AttemptRecord(Time.GetUtcNow(), "d1", 200, null, TimeSpan.FromMilliseconds(3));
        Assert.True(await migrated.MarkDeliveredAsync(leased.Lease, 200, attempt, default));
        Assert.Equal([new StoredAttempt(1, attempt)], await migrated.GetAttemptsAsync(pending, default));

        // The console's pages (SqlDeliveryStore.BrowseAsync, CountDeliveredSinceAsync, GetAttemptsAsync) walk an index
        // in their order: no full scan, no temporary sort.
        string[] queries =
        [
            "SELECT id FROM deliveries ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT id FROM deliveries WHERE (received_at, id) < (0, '') ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT id FROM deliveries WHERE state = 'dead' ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT id FROM deliveries WHERE state = 'pending' AND received_at >= 0 ORDER BY received_at ASC, id ASC LIMIT 51",
            "SELECT route, COUNT(*) FROM (SELECT route FROM deliveries WHERE state = 'delivered' AND delivered_at >= 0 ORDER BY delivered_at) recent GROUP BY route",
            "SELECT attempt FROM delivery_attempts WHERE delivery_id = '' ORDER BY attempted_at",
        ];
        foreach (var query in queries)
        {
            var plan = await QueryPlanAsync(query);
            Assert.DoesNotContain("SCAN deliveries", plan.Replace("SCAN deliveries USING", "walks", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("SCAN delivery_attempts", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
            Assert.Contains("INDEX", plan, StringComparison.Ordinal);
        }
    }

    /// <summary>Takes a file back to how version 3 left it: no attempt history, no console indexes.</summary>
    private const string UndoVersion4 = """
        DROP TABLE delivery_attempts;
        DROP INDEX deliveries_received;
        DROP INDEX deliveries_state_received;
        DROP INDEX deliveries_state_delivered;
        DELETE FROM delivery_schema_version WHERE version >= 4;
        """;

    private async Task<string> QueryPlanAsync(string select)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + select;
        await using var reader = await command.ExecuteReaderAsync();
        var details = new List<string>();
        while (await reader.ReadAsync())
        {
            details.Add(reader.GetString(reader.GetOrdinal("detail")));
        }

        return string.Join(" | ", details);
    }

    private async Task<string> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    [Fact]
    public async Task ASecondStoreOnTheFile_WritesWhileTheFirstAccepts()
    {
        // What the deliveries command does while the gateway runs: another connection writing the same file.
        var gateway = await CreateStoreAsync();
        var command = await CreateStoreAsync();

        var accepting = Task.WhenAll(Enumerable.Range(0, 100).Select(_ => gateway.AcceptAsync(Delivery(NewKey()), default)));
        var replays = 0;
        while (!accepting.IsCompleted)
        {
            replays += await command.ReplayDeadAsync(new DeadReplayFilter(), default) + 1;
        }

        Assert.All(await accepting, r => Assert.Equal(AcceptOutcome.Accepted, r.Outcome));
        Assert.True(replays > 0);
        Assert.Equal(100, (await command.ListAsync(new DeliveryQuery { Limit = 200 }, default)).Count);
    }
}
