using System.Data;
using System.Data.Common;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The store over plain ADO.NET, shared by both engines: the SQL is the same on SQLite and PostgreSQL (both have
/// <c>ON CONFLICT … DO NOTHING</c> and <c>RETURNING</c>; times are Unix milliseconds in 64-bit integers), so an engine
/// supplies only its connections, its write transaction, its row-locking clause, its id type and its schema.
/// </summary>
internal abstract partial class SqlDeliveryStore : IDeliveryStore
{
    /// <summary>Every column, the body last.</summary>
    private const string Columns = "id, route, dedup_key, method, raw_target, signature, timestamp_header, content_type, body_encoding, received_at, attempts, next_attempt_at, state, lease_owner, leased_until, last_status_code, last_error, delivered_at, dead_at, dedup_expires_at, trace_parent, body";

    private const string ColumnsWithoutBody = "id, route, dedup_key, method, raw_target, signature, timestamp_header, content_type, body_encoding, received_at, attempts, next_attempt_at, state, lease_owner, leased_until, last_status_code, last_error, delivered_at, dead_at, dedup_expires_at, trace_parent, NULL AS body";

    private const int BodyInClear = 0;
    private const int BodyEncrypted = 1;

    private const string InsertSql = """
        INSERT INTO deliveries (id, route, dedup_key, method, raw_target, signature, timestamp_header, content_type, body, body_encoding, received_at, attempts, next_attempt_at, state, dedup_expires_at, trace_parent)
        VALUES (@id, @route, @dedup_key, @method, @raw_target, @signature, @timestamp_header, @content_type, @body, @body_encoding, @received_at, 0, @received_at, 'pending', @dedup_expires_at, @trace_parent)
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING id
        """;

    private const string SettleCondition = "id = @id AND lease_owner = @owner AND attempts = @attempt AND state = 'pending'";

    private readonly BodyProtector _protector;
    private readonly GroupCommit<PreparedDelivery, AcceptResult> _acceptances;
    private readonly GroupCommit<Settling, bool> _settlements;
    private readonly SemaphoreSlim _initializeGate = new(1, 1);
    private readonly SemaphoreSlim? _writeGate;
    private volatile bool _initialized;

    /// <param name="name">The engine's name in logs and messages.</param>
    /// <param name="options">The queue's options, validated.</param>
    /// <param name="timeProvider">Every time the store writes or compares comes from it.</param>
    /// <param name="logger">Ids, routes, counts and states only.</param>
    /// <param name="serializeWrites">
    /// Whether this process runs one write at a time (SQLite has one writer: waiting on a semaphore is cheaper and
    /// fairer than SQLite's busy-wait between the acceptance writer and the workers of the same process).
    /// </param>
    protected SqlDeliveryStore(string name, DeliveryQueueOptions options, TimeProvider timeProvider, ILogger logger, bool serializeWrites)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        Options = options;
        TimeProvider = timeProvider;
        Logger = logger;
        _protector = BodyProtector.Create(options.EncryptionKeys);
        _writeGate = serializeWrites ? new SemaphoreSlim(1, 1) : null;
        _acceptances = new(WriteBatchAsync, (count, ex) => Log.AcceptancesFailed(logger, name, count, ex.GetType().Name, Describe(ex)));

        // A failed settlement batch was logged by RunAsync (4002); its waiters get the exception.
        _settlements = new(WriteSettlementsAsync, static (_, _) => { });
    }

    public string Name { get; }

    public long CommittedBatches => _acceptances.CommittedBatches;

    public long CommittedAcceptances => _acceptances.CommittedItems;

    public long CommittedSettlementBatches => _settlements.CommittedBatches;

    protected DeliveryQueueOptions Options { get; }

    protected TimeProvider TimeProvider { get; }

    protected ILogger Logger { get; }

    /// <summary><c>FOR UPDATE SKIP LOCKED</c> where the engine has it (rows of a due query that another transaction holds are skipped, not waited for).</summary>
    protected abstract string LockDueRowsClause { get; }

    /// <summary>The schema, one entry per version (index 0 is version 1), each a list of statements.</summary>
    protected abstract IReadOnlyList<IReadOnlyList<string>> Migrations { get; }

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that writes with a flush at commit (SQLite: BEGIN IMMEDIATE; PostgreSQL: synchronous commit).</summary>
    protected abstract Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serialises schema migrations across processes, inside <paramref name="transaction"/>.</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> means the database cannot be reached or cannot write.</summary>
    protected abstract bool IsUnavailable(Exception exception);

    protected abstract object ToDbId(Guid id);

    protected abstract Guid ReadId(DbDataReader reader, int ordinal);

    /// <summary>Engine work before the schema transaction (SQLite: WAL mode, the folder).</summary>
    protected virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task InitializeAsync(CancellationToken cancellationToken)
        => await RunAsync("initialize", static (_, _) => Task.FromResult(true), write: false, cancellationToken).ConfigureAwait(false);

    public async Task<AcceptResult> AcceptAsync(NewDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentException.ThrowIfNullOrEmpty(delivery.RouteId);
        ArgumentException.ThrowIfNullOrEmpty(delivery.Method);
        ArgumentNullException.ThrowIfNull(delivery.RawTarget);
        ArgumentNullException.ThrowIfNull(delivery.Signature);
        ArgumentNullException.ThrowIfNull(delivery.Timestamp);

        var now = TimeProvider.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var body = delivery.Body.Span;
        var (storedBody, encoding) = _protector.Encrypts
            ? (_protector.Protect(body, id, delivery.RouteId), BodyEncrypted)
            : (body.ToArray(), BodyInClear);
        var row = new PreparedDelivery(
            id, delivery.RouteId, delivery.DedupKey, delivery.Method, delivery.RawTarget, delivery.Signature, delivery.Timestamp,
            delivery.ContentType, storedBody, encoding, now.ToUnixTimeMilliseconds(), delivery.DedupExpiresAt.ToUnixTimeMilliseconds(), delivery.TraceParent);

        if (!_initialized)
        {
            try
            {
                await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DeliveryStoreUnavailableException || IsUnavailable(ex))
            {
                Log.Unavailable(Logger, Name, "initialize", ex.GetType().Name, Describe(ex));
                return AcceptResult.Unavailable;
            }
        }

        try
        {
            return await _acceptances.SubmitAsync(row, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Its batch did not commit (logged once for the batch), or the store is shutting down.
            return AcceptResult.Unavailable;
        }
    }

    /// <summary>The engine's half of group commit: the whole batch in one write transaction, one commit.</summary>
    private async Task<AcceptResult[]> WriteBatchAsync(IReadOnlyList<PreparedDelivery> rows, CancellationToken cancellationToken)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        using var gate = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var results = new AcceptResult[rows.Count];

                // Rows are inserted in dedup-key order, so two replicas inserting the same keys take their locks in the
                // same order and wait for each other instead of deadlocking.
                var order = Enumerable.Range(0, rows.Count).OrderBy(i => rows[i].DedupKey, StringComparer.Ordinal).ToArray();
                foreach (var i in order)
                {
                    results[i] = await InsertAsync(connection, transaction, rows[i], cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return results;
            }
        }
    }

    private async Task<AcceptResult> InsertAsync(DbConnection connection, DbTransaction transaction, PreparedDelivery row, CancellationToken cancellationToken)
    {
        if (await TryInsertAsync(connection, transaction, row, cancellationToken).ConfigureAwait(false))
        {
            return AcceptResult.Accepted(row.Id);
        }

        // A key holds for its duplicate window only, whatever became of the delivery that holds it (pending, dead or
        // delivered): an earlier row whose window has ended gives its key up, and this delivery is a new one.
        using (var release = Command(connection, transaction, "UPDATE deliveries SET dedup_key = NULL WHERE dedup_key = @dedup_key AND dedup_expires_at <= @now"))
        {
            Add(release, "dedup_key", row.DedupKey, DbType.String);
            Add(release, "now", row.ReceivedAt);
            if (await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0
                && await TryInsertAsync(connection, transaction, row, cancellationToken).ConfigureAwait(false))
            {
                return AcceptResult.Accepted(row.Id);
            }
        }

        // The key is stored already (committed, or earlier in this same batch): answer the original's id.
        using var select = Command(connection, transaction, "SELECT id FROM deliveries WHERE dedup_key = @dedup_key");
        Add(select, "dedup_key", row.DedupKey, DbType.String);
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? AcceptResult.Duplicate(ReadId(reader, 0))
                : throw new InvalidOperationException("A delivery was neither inserted nor found by its dedup key.");
        }
    }

    private async Task<bool> TryInsertAsync(DbConnection connection, DbTransaction transaction, PreparedDelivery row, CancellationToken cancellationToken)
    {
        using (var insert = Command(connection, transaction, InsertSql))
        {
            Add(insert, "id", ToDbId(row.Id));
            Add(insert, "route", row.RouteId);
            Add(insert, "dedup_key", row.DedupKey, DbType.String);
            Add(insert, "method", row.Method);
            Add(insert, "raw_target", row.RawTarget);
            Add(insert, "signature", row.Signature);
            Add(insert, "timestamp_header", row.Timestamp);
            Add(insert, "content_type", row.ContentType, DbType.String);
            Add(insert, "body", row.StoredBody);
            Add(insert, "body_encoding", row.BodyEncoding);
            Add(insert, "received_at", row.ReceivedAt);
            Add(insert, "dedup_expires_at", row.DedupExpiresAt);
            Add(insert, "trace_parent", row.TraceParent, DbType.String);
            var inserted = await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return inserted is not null and not DBNull;
        }
    }

    public Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(string routeId, int max, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero);

        return RunAsync<IReadOnlyList<LeasedDelivery>>("lease", async (connection, ct) =>
        {
            var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var sql = $"""
                UPDATE deliveries SET lease_owner = @owner, leased_until = @leased_until, attempts = attempts + 1
                WHERE id IN (
                  SELECT id FROM deliveries
                  WHERE route = @route AND state = 'pending' AND next_attempt_at <= @now AND (lease_owner IS NULL OR leased_until <= @now)
                  ORDER BY next_attempt_at, received_at, id
                  LIMIT @max {LockDueRowsClause})
                RETURNING {Columns}
                """;
            var leased = await WriteAsync(connection, sql, command =>
            {
                Add(command, "owner", owner);
                Add(command, "leased_until", now + (long)lease.TotalMilliseconds);
                Add(command, "route", routeId);
                Add(command, "now", now);
                Add(command, "max", max);
            }, reader => ReadDelivery(reader, includeBody: true), ct).ConfigureAwait(false);

            foreach (var delivery in leased.Where(d => d.BodyError is not null))
            {
                Log.BodyUnreadable(Logger, delivery.Id, delivery.RouteId);
            }

            // RETURNING gives no order: oldest first again.
            return leased
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.ReceivedAt).ThenBy(d => d.Id)
                .Select(d => new LeasedDelivery(new DeliveryLease(d.Id, owner, d.Attempts), d))
                .ToList();
        }, write: true, cancellationToken);
    }

    public Task<bool> MarkDeliveredAsync(DeliveryLease lease, int statusCode, CancellationToken cancellationToken)
        => SettleAsync("mark delivered", lease, $"state = 'delivered', delivered_at = @now, last_status_code = @status, last_error = NULL, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "status", statusCode);
        }, cancellationToken);

    public Task<bool> ScheduleRetryAsync(DeliveryLease lease, DateTimeOffset nextAttemptAt, int? statusCode, string error, CancellationToken cancellationToken)
    {
        DeliveryErrors.ThrowIfInvalid(error, nameof(error));
        return SettleAsync("schedule a retry", lease, "next_attempt_at = @next, last_status_code = @status, last_error = @error, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "next", nextAttemptAt.ToUnixTimeMilliseconds());
            Add(command, "status", statusCode, DbType.Int32);
            Add(command, "error", error);
        }, cancellationToken);
    }

    public Task<bool> DeadLetterAsync(DeliveryLease lease, int? statusCode, string reason, CancellationToken cancellationToken)
    {
        DeliveryErrors.ThrowIfInvalid(reason, nameof(reason));
        return SettleAsync("dead-letter", lease, "state = 'dead', dead_at = @now, last_status_code = @status, last_error = @error, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "status", statusCode, DbType.Int32);
            Add(command, "error", reason);
        }, cancellationToken);
    }

    private Task<bool> SettleAsync(string operation, DeliveryLease lease, string assignments, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lease.Owner, nameof(lease));
        return _settlements.SubmitAsync(new Settling(operation, lease, assignments, parameters), cancellationToken);
    }

    /// <summary>
    /// Settlements are committed in groups, as acceptances are: with one commit each, a drain was bounded by the disk's
    /// flushes rather than by the upstream. Each one still acts only while its caller holds the lease.
    /// </summary>
    private Task<bool[]> WriteSettlementsAsync(IReadOnlyList<Settling> settlements, CancellationToken cancellationToken)
        => RunAsync(settlements.Count == 1 ? settlements[0].Operation : "settle deliveries", async (connection, ct) =>
        {
            var transaction = await BeginWriteTransactionAsync(connection, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var settled = new bool[settlements.Count];
                var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

                // In id order, so that two replicas' batches (a lease taken over) lock rows in the same order.
                foreach (var i in Enumerable.Range(0, settlements.Count).OrderBy(i => settlements[i].Lease.Id))
                {
                    var settlement = settlements[i];
                    using var command = Command(connection, transaction, $"UPDATE deliveries SET {settlement.Assignments} WHERE {SettleCondition}");
                    Add(command, "id", ToDbId(settlement.Lease.Id));
                    Add(command, "owner", settlement.Lease.Owner);
                    Add(command, "attempt", settlement.Lease.Attempt);
                    Add(command, "now", now);
                    settlement.Parameters(command);
                    settled[i] = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return settled;
            }
        }, write: true, cancellationToken);

    /// <summary>One settlement waiting for its group's commit: the update, and whose lease it needs.</summary>
    private sealed record Settling(string Operation, DeliveryLease Lease, string Assignments, Action<DbCommand> Parameters);

    public Task<int> ReleaseLeasesAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return RunAsync("release leases", (connection, ct) => ExecuteWriteAsync(
            connection,
            "UPDATE deliveries SET lease_owner = NULL, leased_until = NULL WHERE lease_owner = @owner AND state = 'pending'",
            command => Add(command, "owner", owner),
            ct), write: true, cancellationToken);
    }

    public Task<DateTimeOffset?> GetNextDueAsync(string routeId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        return RunAsync("read the next due time", async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                SELECT MIN(CASE WHEN lease_owner IS NOT NULL AND leased_until > next_attempt_at THEN leased_until ELSE next_attempt_at END)
                FROM deliveries WHERE route = @route AND state = 'pending'
                """);
            Add(command, "route", routeId);
            var value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return value is null or DBNull ? (DateTimeOffset?)null : FromUnix(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        }, write: false, cancellationToken);
    }

    public Task<PurgeResult> PurgeAsync(CancellationToken cancellationToken)
        => RunAsync("purge", async (connection, ct) =>
        {
            var now = TimeProvider.GetUtcNow();
            var transaction = await BeginWriteTransactionAsync(connection, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                int delivered, dead;
                using (var command = Command(connection, transaction, "DELETE FROM deliveries WHERE state = 'delivered' AND dedup_expires_at <= @now"))
                {
                    Add(command, "now", now.ToUnixTimeMilliseconds());
                    delivered = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                using (var command = Command(connection, transaction, "DELETE FROM deliveries WHERE state = 'dead' AND dead_at <= @cutoff"))
                {
                    Add(command, "cutoff", (now - Options.DeadRetention).ToUnixTimeMilliseconds());
                    dead = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return new PurgeResult(delivered, dead);
            }
        }, write: true, cancellationToken);

    public Task<IReadOnlyList<RouteQueueStats>> GetStatsAsync(CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<RouteQueueStats>>("read statistics", async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                SELECT route,
                  SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),
                  SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END),
                  MIN(CASE WHEN state = 'pending' THEN received_at END)
                FROM deliveries WHERE state IN ('pending', 'dead')
                GROUP BY route ORDER BY route
                """);
            var stats = new List<RouteQueueStats>();
            var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    stats.Add(new RouteQueueStats(
                        reader.GetString(0),
                        Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                        Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                        reader.IsDBNull(3) ? null : FromUnix(Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture))));
                }
            }

            return stats;
        }, write: false, cancellationToken);

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync("ping", async (connection, ct) =>
            {
                using var command = Command(connection, null, "SELECT COUNT(*) FROM delivery_schema_version");
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
            }, write: false, cancellationToken).ConfigureAwait(false);
        }
        catch (DeliveryStoreUnavailableException)
        {
            return false;
        }
    }

    public Task<IReadOnlyList<StoredDelivery>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        return RunAsync<IReadOnlyList<StoredDelivery>>("list deliveries", async (connection, ct) =>
        {
            var conditions = new List<string>();
            if (query.RouteId is not null)
            {
                conditions.Add("route = @route");
            }

            if (query.State is not null)
            {
                conditions.Add("state = @state");
            }

            var where = conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
            using var command = Command(connection, null, $"SELECT {ColumnsWithoutBody} FROM deliveries {where} ORDER BY received_at DESC, id DESC LIMIT @limit");
            if (query.RouteId is not null)
            {
                Add(command, "route", query.RouteId);
            }

            if (query.State is { } state)
            {
                Add(command, "state", state.ToName());
            }

            Add(command, "limit", query.Limit);
            return await ReadAllAsync(command, reader => ReadDelivery(reader, includeBody: false), ct).ConfigureAwait(false);
        }, write: false, cancellationToken);
    }

    public Task<StoredDelivery?> GetAsync(Guid id, bool includeBody, CancellationToken cancellationToken)
        => RunAsync("read a delivery", async (connection, ct) =>
        {
            using var command = Command(connection, null, $"SELECT {(includeBody ? Columns : ColumnsWithoutBody)} FROM deliveries WHERE id = @id");
            Add(command, "id", ToDbId(id));
            var found = await ReadAllAsync(command, reader => ReadDelivery(reader, includeBody), ct).ConfigureAwait(false);
            return found.Count == 0 ? null : found[0];
        }, write: false, cancellationToken);

    public Task<int> ReplayAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return RunAsync("replay", async (connection, ct) =>
        {
            var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var transaction = await BeginWriteTransactionAsync(connection, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var replayed = 0;
                foreach (var id in ids.Distinct())
                {
                    using var command = Command(connection, transaction, $"{ReplaySql} WHERE id = @id AND {NotLeasedCondition}");
                    Add(command, "now", now);
                    Add(command, "id", ToDbId(id));
                    replayed += await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return replayed;
            }
        }, write: true, cancellationToken);
    }

    public Task<int> ReplayDeadAsync(string? routeId, CancellationToken cancellationToken)
        => RunAsync("replay dead deliveries", (connection, ct) => ExecuteWriteAsync(
            connection,
            $"{ReplaySql} WHERE state = 'dead'{(routeId is null ? string.Empty : " AND route = @route")}",
            command =>
            {
                Add(command, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                if (routeId is not null)
                {
                    Add(command, "route", routeId);
                }
            },
            ct), write: true, cancellationToken);

    public Task<int> PurgeDeadAsync(TimeSpan? olderThan, CancellationToken cancellationToken)
    {
        if (olderThan is { } age)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero, nameof(olderThan));
        }

        return RunAsync("purge dead deliveries", (connection, ct) => ExecuteWriteAsync(
            connection,
            $"DELETE FROM deliveries WHERE state = 'dead'{(olderThan is null ? string.Empty : " AND dead_at <= @cutoff")}",
            command =>
            {
                if (olderThan is { } age)
                {
                    Add(command, "cutoff", (TimeProvider.GetUtcNow() - age).ToUnixTimeMilliseconds());
                }
            },
            ct), write: true, cancellationToken);
    }

    private const string ReplaySql = "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = @now, lease_owner = NULL, leased_until = NULL, delivered_at = NULL, dead_at = NULL";

    private const string NotLeasedCondition = "NOT (state = 'pending' AND lease_owner IS NOT NULL AND leased_until > @now)";

    public virtual async ValueTask DisposeAsync()
    {
        await _acceptances.DisposeAsync().ConfigureAwait(false);
        await _settlements.DisposeAsync().ConfigureAwait(false);
        _initializeGate.Dispose();
        _writeGate?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on an open connection once the schema is in place; a database that cannot be
    /// reached or cannot write becomes a <see cref="DeliveryStoreUnavailableException"/>, logged without row contents.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, Func<DbConnection, CancellationToken, Task<T>> work, bool write, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            using var gate = write ? await EnterWriteAsync(cancellationToken).ConfigureAwait(false) : null;
            var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await work(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DeliveryStoreUnavailableException)
        {
            throw;
        }
        catch (Exception ex) when (IsUnavailable(ex) && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            Log.Unavailable(Logger, Name, operation, ex.GetType().Name, Describe(ex));
            throw new DeliveryStoreUnavailableException($"The {Name} delivery store could not {operation}: {ex.Message}", ex);
        }
    }

    private async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                await MigrateAsync(cancellationToken).ConfigureAwait(false);
                _initialized = true;
            }
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    /// <summary>
    /// Brings the schema to the newest version this gateway knows, one transaction, serialised across processes:
    /// <c>delivery_schema_version</c> records each version applied, so later versions can migrate from it. A database
    /// newer than this gateway is refused rather than written with an old idea of its shape.
    /// </summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await PrepareDatabaseAsync(connection, cancellationToken).ConfigureAwait(false);
            var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS delivery_schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);

                long current;
                using (var command = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM delivery_schema_version"))
                {
                    current = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                if (current > Migrations.Count)
                {
                    throw new DeliveryStoreUnavailableException($"The {Name} delivery store's schema is version {current}, newer than this gateway knows ({Migrations.Count}): run a gateway at least as new as the one that migrated it.");
                }

                for (var version = (int)current + 1; version <= Migrations.Count; version++)
                {
                    foreach (var statement in Migrations[version - 1])
                    {
                        await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                    }

                    using var record = Command(connection, transaction, "INSERT INTO delivery_schema_version (version, applied_at) VALUES (@version, @now)");
                    Add(record, "version", version);
                    Add(record, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (current < Migrations.Count)
                {
                    Log.Migrated(Logger, Name, current, Migrations.Count);
                }
            }
        }
    }

    private async Task<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        if (_writeGate is null)
        {
            return null;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new GateRelease(_writeGate);
    }

    /// <summary>One statement in its own write transaction; returns the rows it changed.</summary>
    private async Task<int> ExecuteWriteAsync(DbConnection connection, string sql, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            using var command = Command(connection, transaction, sql);
            parameters(command);
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return changed;
        }
    }

    /// <summary>One statement returning rows, in its own write transaction.</summary>
    private async Task<List<T>> WriteAsync<T>(DbConnection connection, string sql, Action<DbCommand> parameters, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            using var command = Command(connection, transaction, sql);
            parameters(command);
            var rows = await ReadAllAsync(command, read, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }
    }

    private static async Task<List<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }
        }

        return rows;
    }

    protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

#pragma warning disable CA2100 // The SQL is this class's own text; values are always parameters.
    protected static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
#pragma warning restore CA2100

    protected static void Add(DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } dbType)
        {
            parameter.DbType = dbType;
        }

        command.Parameters.Add(parameter);
    }

    private StoredDelivery ReadDelivery(DbDataReader reader, bool includeBody)
    {
        var id = ReadId(reader, 0);
        var route = reader.GetString(1);
        var encrypted = reader.GetInt32(8) == BodyEncrypted;
        ReadOnlyMemory<byte>? body = null;
        string? bodyError = null;
        if (includeBody && !reader.IsDBNull(21))
        {
            var stored = reader.GetFieldValue<byte[]>(21);
            body = encrypted ? _protector.Unprotect(stored, id, route, out bodyError) : stored;
            if (bodyError is not null)
            {
                body = null;
            }
        }

        return new StoredDelivery
        {
            Id = id,
            RouteId = route,
            DedupKey = NullableString(reader, 2),
            Method = reader.GetString(3),
            RawTarget = reader.GetString(4),
            Signature = reader.GetString(5),
            Timestamp = reader.GetString(6),
            ContentType = NullableString(reader, 7),
            BodyEncrypted = encrypted,
            Body = body,
            BodyError = bodyError,
            ReceivedAt = FromUnix(reader.GetInt64(9)),
            Attempts = reader.GetInt32(10),
            NextAttemptAt = FromUnix(reader.GetInt64(11)),
            State = DeliveryStates.Parse(reader.GetString(12)),
            LeaseOwner = NullableString(reader, 13),
            LeasedUntil = NullableTime(reader, 14),
            LastStatusCode = reader.IsDBNull(15) ? null : reader.GetInt32(15),
            LastError = NullableString(reader, 16),
            DeliveredAt = NullableTime(reader, 17),
            DeadAt = NullableTime(reader, 18),
            DedupExpiresAt = FromUnix(reader.GetInt64(19)),
            TraceParent = NullableString(reader, 20),
        };
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromUnix(reader.GetInt64(ordinal));

    private static DateTimeOffset FromUnix(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);

    private sealed class GateRelease(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    /// <summary>
    /// The engine's error code (SQLite's result code, PostgreSQL's SQLSTATE), never the driver's message: a message may
    /// quote a value of the row, and the rows hold keys derived from signatures and personal data.
    /// </summary>
    private static string Describe(Exception ex) => ex switch
    {
        Npgsql.PostgresException postgres => "sqlstate " + postgres.SqlState,
        Microsoft.Data.Sqlite.SqliteException sqlite => "sqlite " + sqlite.SqliteErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + sqlite.SqliteExtendedErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        System.Data.Common.DbException db => "code " + db.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => ex.InnerException?.GetType().Name ?? "-",
    };

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Error, "The {Store} delivery store could not commit {Count} acceptances; each is answered as unavailable: {ExceptionType} ({Code}).")]
        public static partial void AcceptancesFailed(ILogger logger, string store, int count, string exceptionType, string code);

        [LoggerMessage(4002, LogLevel.Error, "The {Store} delivery store is unavailable ({Operation}): {ExceptionType} ({Code}).")]
        public static partial void Unavailable(ILogger logger, string store, string operation, string exceptionType, string code);

        [LoggerMessage(4003, LogLevel.Information, "The {Store} delivery store's schema was migrated from version {From} to {To}.")]
        public static partial void Migrated(ILogger logger, string store, long from, int to);

        [LoggerMessage(4004, LogLevel.Warning, "Delivery {DeliveryId} of route {RouteId} was leased, but its body cannot be decrypted (its key is not configured, or it failed authentication).")]
        public static partial void BodyUnreadable(ILogger logger, Guid deliveryId, string routeId);
    }
}
