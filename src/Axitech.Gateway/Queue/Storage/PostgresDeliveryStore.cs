using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The store shared by replicas: PostgreSQL, with synchronous commit in every write transaction (whatever the server's
/// default), <c>FOR UPDATE SKIP LOCKED</c> so that replicas leasing at once never take the same delivery, and the
/// unique dedup key deciding duplicates across replicas. The tables are created in the connection's search path
/// (<c>Search Path=...</c> in the connection string puts them in a schema of their own).
/// </summary>
internal sealed class PostgresDeliveryStore : SqlDeliveryStore
{
    // pg_advisory_xact_lock key serialising schema migrations of replicas starting together ("axgw16" in ASCII-ish).
    private const long MigrationLockKey = 0x6178_6777_3136;

    /// <summary>The channel operators' commands notify running gateways on.</summary>
    private const string ChangeChannel = "axitech_gateway_queue";

    private static readonly IReadOnlyList<IReadOnlyList<string>> _migrations =
    [
        // Version 1.
        [
            """
            CREATE TABLE deliveries (
              id uuid PRIMARY KEY,
              route text NOT NULL,
              dedup_key text NULL UNIQUE,
              method text NOT NULL,
              raw_target text NOT NULL,
              signature text NOT NULL,
              timestamp_header text NOT NULL,
              content_type text NULL,
              body bytea NOT NULL,
              body_encoding integer NOT NULL,
              received_at bigint NOT NULL,
              attempts integer NOT NULL DEFAULT 0,
              next_attempt_at bigint NOT NULL,
              state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
              lease_owner text NULL,
              leased_until bigint NULL,
              last_status_code integer NULL,
              last_error text NULL,
              delivered_at bigint NULL,
              dead_at bigint NULL,
              dedup_expires_at bigint NOT NULL,
              trace_parent text NULL
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
              route text NOT NULL,
              subscription text NOT NULL,
              paused_at bigint NULL,
              changed_at bigint NOT NULL,
              PRIMARY KEY (route, subscription)
            )
            """,
            // A replica's route that is backing off (absent: delivering), refreshed at every probe, so that the
            // deliveries routes command can tell; a replica that died leaves a row that goes stale.
            """
            CREATE TABLE delivery_route_states (
              route text NOT NULL,
              subscription text NOT NULL,
              owner text NOT NULL,
              state text NOT NULL,
              since bigint NOT NULL,
              seen_at bigint NOT NULL,
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
              delivery_id uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
              attempt integer NOT NULL,
              attempted_at bigint NOT NULL,
              destination text NULL,
              status_code integer NULL,
              error text NULL,
              duration_ms bigint NOT NULL
            )
            """,
            "CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at)",
            "CREATE INDEX deliveries_received ON deliveries (received_at, id)",
            "CREATE INDEX deliveries_state_received ON deliveries (state, received_at, id)",
            "CREATE INDEX deliveries_state_delivered ON deliveries (state, delivered_at, route)",
        ],
    ];

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDeliveryStore(string connectionString, DeliveryQueueOptions options, TimeProvider timeProvider, ILogger<PostgresDeliveryStore>? logger = null)
        : base("postgres", options, timeProvider, (ILogger?)logger ?? NullLogger.Instance, serializeWrites: false)
        => _dataSource = NpgsqlDataSource.Create(WithDefaults(connectionString));

    protected override string LockDueRowsClause => "FOR UPDATE SKIP LOCKED";

    protected override IReadOnlyList<IReadOnlyList<string>> Migrations => _migrations;

    /// <summary>
    /// Short timeouts unless the connection string sets them: a webhook sender waits on an acceptance, and an
    /// unreachable database should be a quick 503, not a 30-second hang.
    /// </summary>
    internal static string WithDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant())
            .ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Overlaps(["TIMEOUT", "CONNECTTIMEOUT", "CONNECTIONTIMEOUT"]))
        {
            builder.Timeout = 5;
        }

        if (!given.Contains("COMMANDTIMEOUT"))
        {
            builder.CommandTimeout = 10;
        }

        if (!given.Overlaps(["APPLICATIONNAME"]))
        {
            builder.ApplicationName = "Axitech.Gateway";
        }

        return builder.ConnectionString;
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async Task<DbTransaction> BeginWriteTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The commit returns once the WAL is flushed, even where the server or role defaults to asynchronous commit.
            await ExecuteAsync(connection, transaction, "SET LOCAL synchronous_commit TO on", cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken).ConfigureAwait(false);

    protected override bool IsUnavailable(Exception exception)
        => exception is DbException or IOException or SocketException or TimeoutException;

    // Class 22 (data exception) and 23 (integrity constraint violation).
    protected override bool IsRowError(Exception exception)
        => exception is PostgresException { SqlState: ['2', '2' or '3', ..] };

    protected override object ToDbId(Guid id) => id;

    protected override Guid ReadId(DbDataReader reader, int ordinal) => reader.GetGuid(ordinal);

    /// <summary>
    /// <c>LISTEN</c> on a connection of its own; operators' commands <c>NOTIFY</c> in their transaction, so every
    /// replica hears a replay, a pause or a resume as it commits. A lost connection is opened again (1 s, then up to
    /// 30 s apart), and <paramref name="changed"/> is called then, for what was said meanwhile.
    /// </summary>
    public override async Task WatchChangesAsync(Action changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => changed();
                    await ExecuteAsync(connection, null, $"LISTEN {ChangeChannel}", cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromSeconds(1);
                    changed();
                    while (true)
                    {
                        await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when ((ex is DeliveryStoreUnavailableException || IsUnavailable(ex)) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(delay, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                delay = delay * 2 < TimeSpan.FromSeconds(30) ? delay * 2 : TimeSpan.FromSeconds(30);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    protected override async Task NotifyChangedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
        => await ExecuteAsync(connection, transaction, $"NOTIFY {ChangeChannel}", cancellationToken).ConfigureAwait(false);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
