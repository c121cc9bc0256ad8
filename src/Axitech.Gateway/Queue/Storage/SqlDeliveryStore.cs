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
        _acceptances = new(
            WriteBatchAsync,
            (count, ex) => Log.AcceptancesFailed(logger, name, count, ex.GetType().Name, Describe(ex)),
            options.MaxPendingAcceptances,

            // A batch that failed for one of its rows (a constraint, a value the engine refused) is written again row
            // by row; one that failed because the database is unreachable or its waiters left would only fail again.
            retryAlone: IsRowError,

            // A batch whose senders have all gone (timed out or disconnected) is rolled back rather than committed
            // behind their backs; a hung database's command is cancelled with it.
            cancelWhenAbandoned: true);

        // A failed settlement batch was logged by RunAsync (4002); its waiters get the exception.
        _settlements = new(WriteSettlementsAsync, static (_, _) => { });
    }

    public string Name { get; }

    public long CommittedBatches => _acceptances.CommittedBatches;

    public long CommittedAcceptances => _acceptances.CommittedItems;

    public int PendingAcceptances => _acceptances.Held;

    /// <summary>How many of them are in the batch being written now (the rest wait for the next one).</summary>
    public int AcceptancesBeingWritten => _acceptances.Writing;

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

    /// <summary>Whether <paramref name="exception"/> is one row's fault (a constraint it violates, a value refused), not the database's.</summary>
    protected abstract bool IsRowError(Exception exception);

    protected abstract object ToDbId(Guid id);

    protected abstract Guid ReadId(DbDataReader reader, int ordinal);

    /// <summary>Engine work before the schema transaction (SQLite: WAL mode, the folder).</summary>
    protected virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

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
