using Axitech.Gateway.Queue;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Axitech.Gateway.Benchmarks.DeliveryConsole;

/// <summary>
/// Fills a gateway's store with a week of deliveries written straight into its table (acceptance through the store
/// would take minutes): 90 % delivered, 5 % dead (half <c>status_400</c>), 5 % pending but due tomorrow (so the workers
/// stay idle), one in ten on route <c>other</c>, 1 KiB bodies, one arrival every 6 seconds up to now; a
/// <c>delivery_attempts</c> row for each attempt a delivery counts (1, or 3 for the dead ones).
/// </summary>
internal static class ConsoleRows
{
    private static readonly byte[] _body = new byte[1024];

    public static async Task<IReadOnlyList<Guid>> FillSqliteAsync(IServiceProvider services, int rows)
    {
        var store = (SqliteDeliveryStore)services.GetRequiredService<IDeliveryStore>();
        await store.InitializeAsync(default);
        await using var connection = new SqliteConnection($"Data Source={store.FilePath}");
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO deliveries (id, route, method, raw_target, signature, timestamp_header, content_type, body, body_encoding, received_at, attempts, next_attempt_at, state, last_status_code, last_error, delivered_at, dead_at, dedup_expires_at)
            VALUES ($id, $route, 'POST', '/webhooks/claims/events', 'v1=00', '0', 'application/json', $body, 0, $received, $attempts, $next, $state, $status, $error, $delivered, $dead, $keep)
            """;
        var parameters = new[] { "$id", "$route", "$body", "$received", "$attempts", "$next", "$state", "$status", "$error", "$delivered", "$dead", "$keep" }
            .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
        await using var attempt = connection.CreateCommand();
        attempt.Transaction = transaction;
        attempt.CommandText = "INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, destination, status_code, error, duration_ms) VALUES ($id, $attempt, $at, 'd1', $status, $error, 42)";
        var attemptParameters = new[] { "$id", "$attempt", "$at", "$status", "$error" }
            .ToDictionary(n => n, n => attempt.Parameters.Add(new SqliteParameter { ParameterName = n }));
        var ids = new List<Guid>();
        foreach (var row in Rows(rows))
        {
            parameters["$id"].Value = row.Id.ToString("D");
            parameters["$route"].Value = row.Route;
            parameters["$body"].Value = _body;
            parameters["$received"].Value = row.ReceivedAt;
            parameters["$attempts"].Value = row.Attempts;
            parameters["$next"].Value = row.NextAttemptAt;
            parameters["$state"].Value = row.State;
            parameters["$status"].Value = (object?)row.Status ?? DBNull.Value;
            parameters["$error"].Value = (object?)row.Error ?? DBNull.Value;
            parameters["$delivered"].Value = (object?)row.DeliveredAt ?? DBNull.Value;
            parameters["$dead"].Value = (object?)row.DeadAt ?? DBNull.Value;
            parameters["$keep"].Value = row.KeepUntil;
            await insert.ExecuteNonQueryAsync();

            // After its delivery: the attempt rows' foreign key.
            foreach (var (number, at) in row.AttemptTimes)
            {
                attemptParameters["$id"].Value = row.Id.ToString("D");
                attemptParameters["$attempt"].Value = number;
                attemptParameters["$at"].Value = at;
                attemptParameters["$status"].Value = (object?)row.Status ?? DBNull.Value;
                attemptParameters["$error"].Value = (object?)row.Error ?? DBNull.Value;
                await attempt.ExecuteNonQueryAsync();
            }

            Sample(ids, row);
        }

        await transaction.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE";
        await analyze.ExecuteNonQueryAsync();
        return ids;
    }

    public static async Task<IReadOnlyList<Guid>> FillPostgresAsync(IServiceProvider services, int rows)
    {
        var store = services.GetRequiredService<IDeliveryStore>();
        await store.InitializeAsync(default);
        var configuration = services.GetRequiredService<IConfiguration>();
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString("Postgres"));
        await connection.OpenAsync();
        var ids = new List<Guid>();

        // Once: the attempts' COPY must name the same ids.
        var all = Rows(rows).ToList();
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY deliveries (id, route, method, raw_target, signature, timestamp_header, content_type, body, body_encoding, received_at, attempts, next_attempt_at, state, last_status_code, last_error, delivered_at, dead_at, dedup_expires_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in all)
            {
                await import.StartRowAsync();
                await import.WriteAsync(row.Id, NpgsqlDbType.Uuid);
                await import.WriteAsync(row.Route, NpgsqlDbType.Text);
                await import.WriteAsync("POST", NpgsqlDbType.Text);
                await import.WriteAsync("/webhooks/claims/events", NpgsqlDbType.Text);
                await import.WriteAsync("v1=00", NpgsqlDbType.Text);
                await import.WriteAsync("0", NpgsqlDbType.Text);
                await import.WriteAsync("application/json", NpgsqlDbType.Text);
                await import.WriteAsync(_body, NpgsqlDbType.Bytea);
                await import.WriteAsync(0, NpgsqlDbType.Integer);
                await import.WriteAsync(row.ReceivedAt, NpgsqlDbType.Bigint);
                await import.WriteAsync(row.Attempts, NpgsqlDbType.Integer);
                await import.WriteAsync(row.NextAttemptAt, NpgsqlDbType.Bigint);
                await import.WriteAsync(row.State, NpgsqlDbType.Text);
                await WriteNullableAsync(import, row.Status, NpgsqlDbType.Integer);
                await WriteNullableAsync(import, row.Error, NpgsqlDbType.Text);
                await WriteNullableAsync(import, row.DeliveredAt, NpgsqlDbType.Bigint);
                await WriteNullableAsync(import, row.DeadAt, NpgsqlDbType.Bigint);
                await import.WriteAsync(row.KeepUntil, NpgsqlDbType.Bigint);
                Sample(ids, row);
            }

            await import.CompleteAsync();
        }

        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY delivery_attempts (delivery_id, attempt, attempted_at, destination, status_code, error, duration_ms) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in all)
            {
                foreach (var (number, at) in row.AttemptTimes)
                {
                    await import.StartRowAsync();
                    await import.WriteAsync(row.Id, NpgsqlDbType.Uuid);
                    await import.WriteAsync(number, NpgsqlDbType.Integer);
                    await import.WriteAsync(at, NpgsqlDbType.Bigint);
                    await import.WriteAsync("d1", NpgsqlDbType.Text);
                    await WriteNullableAsync(import, row.Status, NpgsqlDbType.Integer);
                    await WriteNullableAsync(import, row.Error, NpgsqlDbType.Text);
                    await import.WriteAsync(42L, NpgsqlDbType.Bigint);
                }
            }

            await import.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE deliveries; ANALYZE delivery_attempts", connection);
        await analyze.ExecuteNonQueryAsync();
        return ids;
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            await import.WriteNullAsync();
        }
        else
        {
            await import.WriteAsync(value, type);
        }
    }

    /// <summary>Every 997th delivery: the ids the one-delivery page is asked for, spread over the table.</summary>
    private static void Sample(List<Guid> ids, Row row)
    {
        if (row.Index % 997 == 0)
        {
            ids.Add(row.Id);
        }
    }

    private static IEnumerable<Row> Rows(int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            var received = now - ((long)(count - i) * 6_000);
            var route = i % 10 == 0 ? "other" : "claims";
            yield return (i % 20) switch
            {
                0 => new Row(i, Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(received)), route, received, 3, received, "dead", i % 40 == 0 ? 400 : null, i % 40 == 0 ? "status_400" : "max_attempts", null, received + 60_000),
                1 => new Row(i, Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(received)), route, received, 1, now + 86_400_000, "pending", 503, "status_503", null, null),
                _ => new Row(i, Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(received)), route, received, 1, received, "delivered", 200, null, received + 50, null),
            };
        }
    }

    private sealed record Row(int Index, Guid Id, string Route, long ReceivedAt, int Attempts, long NextAttemptAt, string State, int? Status, string? Error, long? DeliveredAt, long? DeadAt)
    {
        /// <summary>The dedup expiry: a day ahead, so that the queue's purge keeps every delivered row while the benchmark runs.</summary>
        public long KeepUntil => ReceivedAt + (7L * 86_400_000) + 86_400_000;

        /// <summary>Its attempts' rows (number, time): a minute apart from its arrival, as many as it counts.</summary>
        public IEnumerable<(int Number, long At)> AttemptTimes => Enumerable.Range(1, Attempts).Select(n => (n, ReceivedAt + ((n - 1) * 60_000L)));
    }
}
