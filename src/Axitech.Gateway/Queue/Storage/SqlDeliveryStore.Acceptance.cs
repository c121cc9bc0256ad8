using System.Data;
using System.Data.Common;

namespace Axitech.Gateway.Queue;

/// <summary>The store's acceptance: a verified delivery committed durably, in groups, before its 202.</summary>
internal abstract partial class SqlDeliveryStore
{
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

        var submitted = _acceptances.TrySubmit(row, cancellationToken);
        if (submitted is null)
        {
            return AcceptResult.Full;
        }

        try
        {
            return await submitted.ConfigureAwait(false);
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
        using var insert = Command(connection, transaction, InsertSql);
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
