using System.Data;
using System.Data.Common;
using System.Globalization;

namespace Axitech.Gateway.Queue;

/// <summary>The store's half of outages and operator actions: probes, expiry, pauses, filtered replay, and telling running gateways.</summary>
internal abstract partial class SqlDeliveryStore
{
    public Task<bool> ReleaseProbeAsync(DeliveryLease lease, DateTimeOffset nextAttemptAt, int? statusCode, string error, AttemptRecord? attempt, CancellationToken cancellationToken)
    {
        DeliveryErrors.ThrowIfInvalid(error, nameof(error));

        // attempts - 1: the lease counted it; a probe of a route that is down is not the delivery's failure.
        return SettleAsync("record a probe", lease, attempt, "attempts = attempts - 1, next_attempt_at = @next, last_status_code = @status, last_error = @error, lease_owner = NULL, leased_until = NULL", command =>
        {
            Add(command, "next", nextAttemptAt.ToUnixTimeMilliseconds());
            Add(command, "status", statusCode, DbType.Int32);
            Add(command, "error", error);
        }, cancellationToken);
    }

    public Task<int> ExpireAsync(string routeId, DateTimeOffset receivedBefore, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        return RunAsync("dead-letter expired deliveries", (connection, ct) => ExecuteWriteAsync(
            connection,
            $"UPDATE deliveries SET state = 'dead', dead_at = @now, last_error = '{DeliveryErrors.MaxAge}', lease_owner = NULL, leased_until = NULL WHERE route = @route AND state = 'pending' AND received_at < @cutoff AND {NotLeasedCondition}",
            command =>
            {
                Add(command, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                Add(command, "route", routeId);
                Add(command, "cutoff", receivedBefore.ToUnixTimeMilliseconds());
            },
            ct), write: true, cancellationToken);
    }

    public Task<int> ReplayDeadAsync(DeadReplayFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Error is not null)
        {
            DeliveryErrors.ThrowIfInvalid(filter.Error, nameof(filter));
        }

        var conditions = new List<string> { "state = 'dead'" };
        if (filter.RouteId is not null)
        {
            conditions.Add("route = @route");
        }

        if (filter.Since is not null)
        {
            conditions.Add("dead_at >= @since");
        }

        if (filter.Until is not null)
        {
            conditions.Add("dead_at < @until");
        }

        if (filter.Error is not null)
        {
            conditions.Add("last_error = @error");
        }

        return RunAsync("replay dead deliveries", async (connection, ct) =>
        {
            var transaction = await BeginWriteTransactionAsync(connection, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                using var command = Command(connection, transaction, $"{ReplaySql} WHERE {string.Join(" AND ", conditions)}");
                Add(command, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                Add(command, "route", filter.RouteId);
                Add(command, "since", filter.Since?.ToUnixTimeMilliseconds(), DbType.Int64);
                Add(command, "until", filter.Until?.ToUnixTimeMilliseconds(), DbType.Int64);
                Add(command, "error", filter.Error);
                RemoveUnused(command);
                var replayed = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await NotifyChangedAsync(connection, transaction, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return replayed;
            }
        }, write: true, cancellationToken);
    }

    public Task<bool> SetPausedAsync(string routeId, bool paused, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        return RunAsync(paused ? "pause a route" : "resume a route", async (connection, ct) =>
        {
            var transaction = await BeginWriteTransactionAsync(connection, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
                // The implicit subscription of a route without subscriptions is named after the route.
                using (var insert = Command(connection, transaction, "INSERT INTO delivery_routes (route, subscription, paused_at, changed_at) VALUES (@route, @route, NULL, @now) ON CONFLICT (route, subscription) DO NOTHING"))
                {
                    Add(insert, "route", routeId);
                    Add(insert, "now", now);
                    await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                int changed;
                using (var update = Command(connection, transaction, $"UPDATE delivery_routes SET paused_at = @paused_at, changed_at = @now WHERE route = @route AND subscription = @route AND paused_at IS {(paused ? "NULL" : "NOT NULL")}"))
                {
                    Add(update, "route", routeId);
                    Add(update, "now", now);
                    Add(update, "paused_at", paused ? now : null, DbType.Int64);
                    changed = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await NotifyChangedAsync(connection, transaction, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return changed == 1;
            }
        }, write: true, cancellationToken);
    }

    public Task<IReadOnlyList<RoutePause>> GetPausedAsync(CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<RoutePause>>("read paused routes", async (connection, ct) =>
        {
            using var command = Command(connection, null, "SELECT route, paused_at FROM delivery_routes WHERE paused_at IS NOT NULL AND subscription = route ORDER BY route");
            return await ReadAllAsync(command, reader => new RoutePause(reader.GetString(0), FromUnix(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture))), ct).ConfigureAwait(false);
        }, write: false, cancellationToken);

    public Task ReportBackoffAsync(string routeId, string owner, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var sql = since is null
            ? "DELETE FROM delivery_route_states WHERE route = @route AND subscription = @route AND owner = @owner"
            : "INSERT INTO delivery_route_states (route, subscription, owner, state, since, seen_at) VALUES (@route, @route, @owner, 'backing_off', @since, @now) ON CONFLICT (route, subscription, owner) DO UPDATE SET since = @since, seen_at = @now";
        return RunAsync("report a route's state", (connection, ct) => ExecuteWriteAsync(connection, sql, command =>
        {
            Add(command, "route", routeId);
            Add(command, "owner", owner);
            if (since is { } value)
            {
                Add(command, "since", value.ToUnixTimeMilliseconds());
                Add(command, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            }
        }, ct), write: true, cancellationToken);
    }

    public Task ClearBackoffReportsAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        return RunAsync("clear route state reports", (connection, ct) => ExecuteWriteAsync(
            connection, "DELETE FROM delivery_route_states WHERE owner = @owner", command => Add(command, "owner", owner), ct), write: true, cancellationToken);
    }

    public Task<IReadOnlyList<RouteBackoffReport>> GetBackoffReportsAsync(CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<RouteBackoffReport>>("read route state reports", async (connection, ct) =>
        {
            using var command = Command(connection, null, "SELECT route, owner, since, seen_at FROM delivery_route_states WHERE state = 'backing_off' AND subscription = route ORDER BY route, owner");
            return await ReadAllAsync(command, reader => new RouteBackoffReport(
                reader.GetString(0),
                reader.GetString(1),
                FromUnix(Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture)),
                FromUnix(Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture))), ct).ConfigureAwait(false);
        }, write: false, cancellationToken);

    public abstract Task WatchChangesAsync(Action changed, CancellationToken cancellationToken);

    /// <summary>Tells running gateways, in <paramref name="transaction"/>, that an operator changed the store (PostgreSQL: <c>NOTIFY</c>). SQLite's watchers see any commit.</summary>
    protected virtual Task NotifyChangedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Drops the parameters the statement does not use (SQLite refuses none, PostgreSQL some).</summary>
    private static void RemoveUnused(DbCommand command)
    {
        foreach (var parameter in command.Parameters.Cast<DbParameter>().ToList())
        {
            if (!command.CommandText.Contains("@" + parameter.ParameterName, StringComparison.Ordinal))
            {
                command.Parameters.Remove(parameter);
            }
        }
    }
}
