using System.Globalization;

namespace Axitech.Gateway.Queue;

/// <summary>The console's read-only queries: pages of deliveries with every filter, a body's size, recent throughput.</summary>
internal abstract partial class SqlDeliveryStore
{
    /// <summary>What <see cref="BodyProtector"/> adds to an encrypted body: format byte, key id, nonce, tag.</summary>
    private const int EncryptedBodyOverhead = 1 + 4 + 12 + 16;

    /// <summary>A page of deliveries, without bodies, in arrival order (newest first unless <see cref="DeliveryPageQuery.OldestFirst"/>).</summary>
    public Task<IReadOnlyList<StoredDelivery>> BrowseAsync(DeliveryPageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        return RunAsync<IReadOnlyList<StoredDelivery>>("browse deliveries", async (connection, ct) =>
        {
            var conditions = new List<string>();
            using var command = Command(connection, null, string.Empty);
            if (query.RouteId is not null)
            {
                conditions.Add("route = @route");
                Add(command, "route", query.RouteId);
            }

            if (query.State is { } state)
            {
                conditions.Add("state = @state");
                Add(command, "state", state.ToName());
            }

            if (query.Error is not null)
            {
                conditions.Add("last_error = @error");
                Add(command, "error", query.Error);
            }

            if (query.ReceivedFrom is { } from)
            {
                conditions.Add("received_at >= @from");
                Add(command, "from", from.ToUnixTimeMilliseconds());
            }

            if (query.ReceivedBefore is { } before)
            {
                conditions.Add("received_at < @before");
                Add(command, "before", before.ToUnixTimeMilliseconds());
            }

            var direction = query.OldestFirst ? "ASC" : "DESC";
            if (query.AfterReceivedAt is { } afterAt && query.AfterId is { } afterId)
            {
                // Row values compare left to right on both engines: arrival time, then id for arrivals in the same millisecond.
                conditions.Add(query.OldestFirst ? "(received_at, id) > (@after_at, @after_id)" : "(received_at, id) < (@after_at, @after_id)");
                Add(command, "after_at", afterAt.ToUnixTimeMilliseconds());
                Add(command, "after_id", ToDbId(afterId));
            }

            var where = conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);
#pragma warning disable CA2100 // The SQL is this class's own text; values are always parameters.
            command.CommandText = $"SELECT {ColumnsWithoutBody} FROM deliveries {where} ORDER BY received_at {direction}, id {direction} LIMIT @limit";
#pragma warning restore CA2100
            Add(command, "limit", query.Limit);
            return await ReadAllAsync(command, reader => ReadDelivery(reader, includeBody: false), ct).ConfigureAwait(false);
        }, write: false, cancellationToken);
    }

    /// <summary>The size in bytes of a delivery's body as received (not as stored encrypted); null when there is no such delivery.</summary>
    public Task<long?> GetBodySizeAsync(Guid id, CancellationToken cancellationToken)
        => RunAsync("read a body's size", async (connection, ct) =>
        {
            using var command = Command(connection, null, "SELECT LENGTH(body), body_encoding FROM deliveries WHERE id = @id");
            Add(command, "id", ToDbId(id));
            var rows = await ReadAllAsync(
                command,
                reader => Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) - (reader.GetInt32(1) == BodyEncrypted ? EncryptedBodyOverhead : 0),
                ct).ConfigureAwait(false);
            return rows.Count == 0 ? (long?)null : rows[0];
        }, write: false, cancellationToken);

    /// <summary>Per route: deliveries delivered at or after <paramref name="since"/>. A route with none is absent.</summary>
    public Task<IReadOnlyDictionary<string, long>> CountDeliveredSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyDictionary<string, long>>("count recent deliveries", async (connection, ct) =>
        {
            // The ordered subquery keeps SQLite from walking the due index in route order and reading every row: with an
            // index on (state, delivered_at, route) it reads the last hour's entries alone.
            using var command = Command(connection, null, "SELECT route, COUNT(*) FROM (SELECT route FROM deliveries WHERE state = 'delivered' AND delivered_at >= @since ORDER BY delivered_at) recent GROUP BY route");
            Add(command, "since", since.ToUnixTimeMilliseconds());
            var rows = await ReadAllAsync(
                command,
                reader => KeyValuePair.Create(reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
                ct).ConfigureAwait(false);
            return rows.ToDictionary(StringComparer.Ordinal);
        }, write: false, cancellationToken);

    /// <summary>A delivery's recorded attempts, oldest first (none for one settled before the store kept them).</summary>
    public Task<IReadOnlyList<StoredAttempt>> GetAttemptsAsync(Guid id, CancellationToken cancellationToken)
        => RunAsync<IReadOnlyList<StoredAttempt>>("read a delivery's attempts", async (connection, ct) =>
        {
            using var command = Command(connection, null, """
                SELECT attempt, attempted_at, destination, status_code, error, duration_ms
                FROM delivery_attempts WHERE delivery_id = @id ORDER BY attempted_at
                """);
            Add(command, "id", ToDbId(id));
            return await ReadAllAsync(
                command,
                reader => new StoredAttempt(
                    Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture),
                    new AttemptRecord(
                        FromUnix(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        TimeSpan.FromMilliseconds(Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture)))),
                ct).ConfigureAwait(false);
        }, write: false, cancellationToken);
}
