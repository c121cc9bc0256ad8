using System.Data;
using System.Data.Common;

namespace Axitech.Gateway.Queue;

/// <summary>What the monitor and operators read and change: purges, statistics, lists, replay.</summary>
internal abstract partial class SqlDeliveryStore
{
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

                await NotifyChangedAsync(connection, transaction, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return replayed;
            }
        }, write: true, cancellationToken);
    }

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
}
