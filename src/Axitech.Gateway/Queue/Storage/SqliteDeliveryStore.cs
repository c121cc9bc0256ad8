using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The embedded store of a single instance: one SQLite file in WAL mode, <c>synchronous=FULL</c> on every connection,
/// so a commit is on disk (WAL fsynced) before an acceptance is answered. WAL lets the <c>deliveries</c> command read and
/// write from another process while the gateway runs; both wait for the other's write lock (busy timeout) instead of
/// failing.
/// </summary>
internal sealed class SqliteDeliveryStore : SqlDeliveryStore
{
    /// <summary>How long a write waits for another process's write lock (the <c>deliveries</c> command or the gateway).</summary>
    private const int BusyTimeoutMilliseconds = 10_000;

    /// <summary>How often a running gateway looks for another process's commit (a replay, a pause).</summary>
    private static readonly TimeSpan _changePollInterval = TimeSpan.FromMilliseconds(250);

    private static readonly IReadOnlyList<IReadOnlyList<string>> _migrations =
    [
        // Version 1.
        [
            """
            CREATE TABLE deliveries (
              id TEXT NOT NULL PRIMARY KEY,
              route TEXT NOT NULL,
              dedup_key TEXT NULL UNIQUE,
              method TEXT NOT NULL,
              raw_target TEXT NOT NULL,
              signature TEXT NOT NULL,
              timestamp_header TEXT NOT NULL,
              content_type TEXT NULL,
              body BLOB NOT NULL,
              body_encoding INTEGER NOT NULL,
              received_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0,
              next_attempt_at INTEGER NOT NULL,
              state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
              lease_owner TEXT NULL,
              leased_until INTEGER NULL,
              last_status_code INTEGER NULL,
              last_error TEXT NULL,
              delivered_at INTEGER NULL,
              dead_at INTEGER NULL,
              dedup_expires_at INTEGER NOT NULL,
              trace_parent TEXT NULL
            )
            """,
            "CREATE INDEX deliveries_due ON deliveries (route, state, next_attempt_at)",
        ],

        // Version 2: the due index in the lease's order, so that a lease reads its few rows in order instead of sorting
        // every due delivery of the route each time: with version 1, draining a backlog cost O(backlog) per lease.
        [
            "DROP INDEX deliveries_due",
            "CREATE INDEX deliveries_due ON deliveries (route, state, next_attempt_at, received_at, id)",
        ],

        // Version 3: what operators set per route (pause), keyed by (route, subscription) so that subscriptions can
        // have their own; a route without subscriptions is its own one implicit subscription.
        [
            """
            CREATE TABLE delivery_routes (
              route TEXT NOT NULL,
              subscription TEXT NOT NULL,
              paused_at INTEGER NULL,
              changed_at INTEGER NOT NULL,
              PRIMARY KEY (route, subscription)
            )
            """,
            // A replica's route that is backing off (absent: delivering), refreshed at every probe, so that the
            // deliveries routes command can tell; a replica that died leaves a row that goes stale.
            """
            CREATE TABLE delivery_route_states (
              route TEXT NOT NULL,
              subscription TEXT NOT NULL,
              owner TEXT NOT NULL,
              state TEXT NOT NULL,
              since INTEGER NOT NULL,
              seen_at INTEGER NOT NULL,
              PRIMARY KEY (route, subscription, owner)
            )
            """,
            "CREATE INDEX deliveries_dead ON deliveries (state, dead_at)",
        ],

        // Version 4: one row per attempt (the console shows them), written in the commit that settles the attempt and
        // deleted with its delivery; no key of its own, so that no attempt row can ever fail a settlement's group. And
        // the console's orders and filters as indexes: every delivery by arrival, by state and arrival, and the
        // delivered-in-the-last-hour count by state and delivery time.
        [
            """
            CREATE TABLE delivery_attempts (
              delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
              attempt INTEGER NOT NULL,
              attempted_at INTEGER NOT NULL,
              destination TEXT NULL,
              status_code INTEGER NULL,
              error TEXT NULL,
              duration_ms INTEGER NOT NULL
            )
            """,
            "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at)",
            "CREATE INDEX deliveries_received ON deliveries (received_at, id)",
            "CREATE INDEX deliveries_state_received ON deliveries (state, received_at, id)",
            "CREATE INDEX deliveries_state_delivered ON deliveries (state, delivered_at, route)",
        ],
    ];

    private readonly string _connectionString;
    private volatile bool _directoryCreated;

    public SqliteDeliveryStore(DeliveryQueueOptions options, TimeProvider timeProvider, ILogger<SqliteDeliveryStore>? logger = null)
        : base("sqlite", options, timeProvider, (ILogger?)logger ?? NullLogger.Instance, serializeWrites: true)
    {
        FilePath = Path.GetFullPath(options.Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,

            // An attempt's rows go with their delivery (ON DELETE CASCADE), which SQLite does only when asked.
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The database file, absolute (a relative <see cref="DeliveryQueueOptions.Path"/> is resolved against the working directory).</summary>
    public string FilePath { get; }

    protected override string LockDueRowsClause => string.Empty;

    protected override IReadOnlyList<IReadOnlyList<string>> Migrations => _migrations;

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (!_directoryCreated)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            _directoryCreated = true;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);

            // Per connection, not stored in the file: FULL syncs the WAL at every commit, so a committed acceptance
            // survives a power cut, not only a crash of the process (NORMAL, the usual WAL choice, does not).
            await ExecuteAsync(connection, null, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = FULL;", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async Task PrepareDatabaseAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // WAL is a property of the file, kept once set; readers then never block the writer, nor it them.
        using var command = Command(connection, null, "PRAGMA journal_mode = WAL");
        var mode = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new DeliveryStoreUnavailableException($"The sqlite delivery store could not switch {FilePath} to WAL mode (it is in '{mode}' mode): keep the file on a local file system.");
        }
    }

    protected override Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
        // Serializable and not deferred: BEGIN IMMEDIATE, which takes the write lock at once (waiting up to the busy
        // timeout) instead of failing when a read transaction later tries to become a write.
        => Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false));

    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => Task.CompletedTask; // BEGIN IMMEDIATE holds the database's only write lock.

    protected override bool IsUnavailable(Exception exception)
        => exception is DbException or IOException or UnauthorizedAccessException;

    // SQLITE_TOOBIG, SQLITE_CONSTRAINT (a trigger's RAISE(ABORT) too), SQLITE_MISMATCH, SQLITE_RANGE.
    protected override bool IsRowError(Exception exception)
        => exception is SqliteException { SqliteErrorCode: 18 or 19 or 20 or 25 };

    protected override object ToDbId(Guid id) => id.ToString("D");

    protected override Guid ReadId(DbDataReader reader, int ordinal) => Guid.Parse(reader.GetString(ordinal));

    /// <summary>
    /// SQLite has no notifications: <c>PRAGMA data_version</c> on a connection kept open changes whenever another
    /// connection committed, and costs no I/O to read. Read every quarter second by the machine's clock, not the
    /// queue's <see cref="SqlDeliveryStore.TimeProvider"/>: it is how soon an operator's action is seen, not a time
    /// the queue judges by. No file watcher (inotify's limits are shared by the whole machine).
    /// </summary>
    public override async Task WatchChangesAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        using var timer = new PeriodicTimer(_changePollInterval);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // The file in WAL mode first: a connection opened on it before the switch does not see later commits
                // in its data_version.
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    long? seen = null;
                    do
                    {
                        using var command = Command(connection, null, "PRAGMA data_version");
                        var version = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                        if (seen != version)
                        {
                            seen = version;
                            changed();
                        }
                    }
                    while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
                }
            }
            catch (Exception ex) when ((ex is DeliveryStoreUnavailableException || IsUnavailable(ex)) && !cancellationToken.IsCancellationRequested)
            {
                // Looked at again next tick, on a new connection.
                await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);

        // Close the pooled connections, so the last one checkpoints the WAL into the file and the file can be moved.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
