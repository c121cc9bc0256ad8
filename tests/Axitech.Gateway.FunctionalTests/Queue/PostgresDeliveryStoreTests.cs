using Axitech.Gateway.Queue;
using Npgsql;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// The store's behaviour on a real PostgreSQL server (one per class, a schema per test), and what only the shared
/// engine has to show: replicas deciding duplicates and leases between them.
/// </summary>
public sealed class PostgresDeliveryStoreTests : DeliveryStoreTests, IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;
    private PostgresServer _server = null!;
    private string _connectionString = null!;

    public PostgresDeliveryStoreTests(PostgresFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        Output = output;
    }

    public override async ValueTask InitializeAsync()
    {
        _server = await _fixture.GetServerAsync();
        _connectionString = await _server.CreateSchemaAsync();
    }

    private protected override SqlDeliveryStore NewStore(DeliveryQueueOptions options) => new PostgresDeliveryStore(_connectionString, options, Time);

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override Task<IAsyncDisposable> StallWritesAsync() => DatabaseStalls.PausePostgresBackendsAsync(_connectionString);

    protected override Task RefuseRouteAsync(string route)
        => ExecuteRawAsync($"ALTER TABLE deliveries ADD CONSTRAINT refuse_route CHECK (route <> '{route}')");

    /// <summary>Every file of the cluster (tables, TOAST, WAL) after a checkpoint has written the tables out.</summary>
    protected override async Task<bool> StorageContainsAsync(byte[] marker)
    {
        await ExecuteRawAsync("CHECKPOINT");
        return Directory.EnumerateFiles(_server.DataDirectory, "*", SearchOption.AllDirectories)
            .Any(file => ReadShared(file).AsSpan().IndexOf(marker) >= 0);
    }

    [Fact]
    public async Task TwoReplicas_SameKeyAtOnce_OneIsAccepted_AndTheOtherAnswersItsId()
    {
        var a = await CreateStoreAsync();
        var b = await CreateStoreAsync();

        for (var round = 0; round < 20; round++)
        {
            var key = NewKey();
            var results = await Task.WhenAll(Task.Run(() => a.AcceptAsync(Delivery(key), default)), Task.Run(() => b.AcceptAsync(Delivery(key), default)));

            var accepted = Assert.Single(results, r => r.Outcome == AcceptOutcome.Accepted);
            Assert.Equal(AcceptResult.Duplicate(accepted.Id), Assert.Single(results, r => r != accepted));
        }

        Assert.Equal(20, (await a.ListAsync(new DeliveryQuery { Limit = 100 }, default)).Count);
    }

    [Fact]
    public async Task TwoReplicas_LeasingAtOnce_NeverHandOutTheSameDelivery()
    {
        var a = await CreateStoreAsync();
        var b = await CreateStoreAsync();
        var accepted = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => a.AcceptAsync(Delivery(NewKey()), default)));

        async Task<List<Guid>> LeaseAllAsync(IDeliveryStore store, string owner)
        {
            var mine = new List<Guid>();
            while (await store.LeaseDueAsync(Route, 7, owner, Lease, default) is { Count: > 0 } leased)
            {
                mine.AddRange(leased.Select(d => d.Delivery.Id));
            }

            return mine;
        }

        var byReplica = await Task.WhenAll(Task.Run(() => LeaseAllAsync(a, Owner)), Task.Run(() => LeaseAllAsync(b, OtherOwner)));

        Assert.Empty(byReplica[0].Intersect(byReplica[1]));
        Assert.Equal(accepted.Select(r => r.Id).Order(), byReplica[0].Concat(byReplica[1]).Order());
    }

    [Fact]
    public async Task AVersion3Schema_IsMigrated_KeepsPendingAndDeadDeliveries_AndTheConsolesQueriesUseIndexes()
    {
        var first = await CreateStoreAsync();
        var dead = await AcceptedAsync(first, Delivery(NewKey()));
        Assert.True(await first.DeadLetterAsync(Assert.Single(await first.LeaseDueAsync(Route, 1, Owner, Lease, default)).Lease, 400, DeliveryErrors.Status(400), null, default));
        var pending = await AcceptedAsync(first, Delivery(NewKey()));
        await ExecuteRawAsync("""
            DROP TABLE delivery_attempts;
            DROP INDEX deliveries_received;
            DROP INDEX deliveries_state_received;
            DROP INDEX deliveries_state_delivered;
            DELETE FROM delivery_schema_version WHERE version >= 4;
            """);

        var migrated = await CreateStoreAsync();

        Assert.Equal(DeliveryState.Dead, (await migrated.GetAsync(dead, false, default))!.State);
        Assert.Equal(pending, Assert.Single(await migrated.LeaseDueAsync(Route, 10, Owner, Lease, default)).Lease.Id);

        // With sequential scans priced out, a query without a usable index still plans one: none of the console's may.
        string[] queries =
        [
            "SELECT id FROM deliveries ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT id FROM deliveries WHERE (received_at, id) < (0, '00000000-0000-0000-0000-000000000000'::uuid) ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT id FROM deliveries WHERE state = 'dead' ORDER BY received_at DESC, id DESC LIMIT 51",
            "SELECT route, COUNT(*) FROM (SELECT route FROM deliveries WHERE state = 'delivered' AND delivered_at >= 0 ORDER BY delivered_at) recent GROUP BY route",
            "SELECT attempt FROM delivery_attempts WHERE delivery_id = '00000000-0000-0000-0000-000000000000'::uuid ORDER BY attempted_at",
        ];
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await off.ExecuteNonQueryAsync();
        }

        foreach (var query in queries)
        {
            await using var explain = new NpgsqlCommand("EXPLAIN " + query, connection);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }

            var text = string.Join(" | ", plan);
            Assert.DoesNotContain("Seq Scan", text, StringComparison.Ordinal);
            Assert.Contains("Index", text, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?<!Group)Sort\b.*Sort Key: deliveries\.received_at|Sort Key: delivery_attempts", text);
        }
    }

    [Fact]
    public async Task ReplicasStartingTogether_MigrateTheSchemaOnce_AndRecordItsVersion()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => CreateStoreAsync())));

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM delivery_schema_version", connection);
        var versions = (int[])(await command.ExecuteScalarAsync())!;
        Assert.Equal(new[] { 1, 2, 3, 4 }, versions);
        Assert.All(stores, s => Assert.True(s.PingAsync(default).Result));
    }

    [Fact]
    public async Task ASchemaNewerThanThisGateway_IsRefused()
    {
        await CreateStoreAsync();
        await ExecuteRawAsync("INSERT INTO delivery_schema_version (version, applied_at) VALUES (5, 0)");

        await using var store = NewStore(new DeliveryQueueOptions());
        var error = await Assert.ThrowsAsync<DeliveryStoreUnavailableException>(() => store.InitializeAsync(default));

        Assert.Contains("schema is version 5, newer than this gateway knows (4)", error.Message, StringComparison.Ordinal);
        Assert.Equal(AcceptOutcome.Unavailable, (await store.AcceptAsync(Delivery(NewKey()), default)).Outcome);
    }

    private static byte[] ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (IOException)
        {
            return []; // a file removed while the cluster runs (temporary files, recycled WAL)
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
