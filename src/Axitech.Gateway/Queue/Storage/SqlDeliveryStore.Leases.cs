using System.Data;
using System.Data.Common;

namespace Axitech.Gateway.Queue;

/// <summary>The workers' half of the store: leasing due deliveries and settling each attempt under its lease.</summary>
internal abstract partial class SqlDeliveryStore
{
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

    public Task<bool> MarkDeliveredAsync(DeliveryLease lease, int statusCode, AttemptRecord? attempt, CancellationToken cancellationToken)
        => SettleAsync("mark delivered", lease, attempt, $"state = 'delivered', delivered_at = @now, last_status_code = @status, last_error = NULL, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "status", statusCode);
        }, cancellationToken);

    public Task<bool> ScheduleRetryAsync(DeliveryLease lease, DateTimeOffset nextAttemptAt, int? statusCode, string error, AttemptRecord? attempt, CancellationToken cancellationToken)
    {
        DeliveryErrors.ThrowIfInvalid(error, nameof(error));
        return SettleAsync("schedule a retry", lease, attempt, "next_attempt_at = @next, last_status_code = @status, last_error = @error, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "next", nextAttemptAt.ToUnixTimeMilliseconds());
            Add(command, "status", statusCode, DbType.Int32);
            Add(command, "error", error);
        }, cancellationToken);
    }

    public Task<bool> DeadLetterAsync(DeliveryLease lease, int? statusCode, string reason, AttemptRecord? attempt, CancellationToken cancellationToken)
    {
        DeliveryErrors.ThrowIfInvalid(reason, nameof(reason));
        return SettleAsync("dead-letter", lease, attempt, "state = 'dead', dead_at = @now, last_status_code = @status, last_error = @error, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "status", statusCode, DbType.Int32);
            Add(command, "error", reason);
        }, cancellationToken);
    }

    private Task<bool> SettleAsync(string operation, DeliveryLease lease, AttemptRecord? attempt, string assignments, Action<DbCommand> parameters, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lease.Owner, nameof(lease));
        return _settlements.SubmitAsync(new Settling(operation, lease, attempt, assignments, parameters), cancellationToken);
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

                    // The attempt's row joins its settlement's commit, and only a settlement that counted: a lease
                    // taken over leaves the attempt to its new owner's record.
                    if (settled[i] && settlement.Attempt is { } attempt)
                    {
                        await InsertAttemptAsync(connection, transaction, settlement.Lease, attempt, ct).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return settled;
            }
        }, write: true, cancellationToken);

    private async Task InsertAttemptAsync(DbConnection connection, DbTransaction transaction, DeliveryLease lease, AttemptRecord attempt, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, """
            INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, destination, status_code, error, duration_ms)
            VALUES (@id, @attempt, @attempted_at, @destination, @status, @error, @duration)
            """);
        Add(command, "id", ToDbId(lease.Id));
        Add(command, "attempt", lease.Attempt);
        Add(command, "attempted_at", attempt.AttemptedAt.ToUnixTimeMilliseconds());
        Add(command, "destination", attempt.Destination, DbType.String);
        Add(command, "status", attempt.StatusCode, DbType.Int32);
        Add(command, "error", attempt.Error, DbType.String);
        Add(command, "duration", (long)attempt.Duration.TotalMilliseconds);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One settlement waiting for its group's commit: the update, whose lease it needs, and the attempt's record.</summary>
    private sealed record Settling(string Operation, DeliveryLease Lease, AttemptRecord? Attempt, string Assignments, Action<DbCommand> Parameters);

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
}
