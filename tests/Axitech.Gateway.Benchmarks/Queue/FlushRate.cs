using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Axitech.Gateway.Benchmarks.Queue;

/// <summary>
/// <c>flush-rate [folder] [--postgres CS]</c>: how many durable commits a second this machine makes one after the
/// other, each waiting for its flush: single-row transactions into SQLite in WAL mode with <c>synchronous=FULL</c> (in
/// <c>folder</c>, default the temporary folder, where the load benchmark keeps its queue), and into PostgreSQL with
/// synchronous commit. A queue that flushed once per delivery could accept no more than that; group commit is what
/// lets it accept more.
/// </summary>
internal static class FlushRate
{
    private static readonly TimeSpan _duration = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = args.SkipWhile(a => a != "--postgres").Skip(1).FirstOrDefault();
        var folder = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && a != postgres) ?? Path.GetTempPath();
        var path = Path.Combine(folder, $"axgw-flush-{Environment.ProcessId}.db");
        try
        {
            Console.WriteLine($"SQLite (WAL, synchronous=FULL) in {folder}: {await SqliteAsync(path):N0} sequential commits/s");
        }
        finally
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }

        if (postgres is not null)
        {
            Console.WriteLine($"PostgreSQL (synchronous_commit on): {await PostgresAsync(postgres):N0} sequential commits/s");
        }

        return 0;
    }

    private static async Task<double> SqliteAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
        return await MeasureAsync(async i =>
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = connection.CreateCommand();
            insert.Transaction = (SqliteTransaction)transaction;
            insert.CommandText = "INSERT INTO t (v) VALUES (zeroblob(1024))";
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        });
    }

    private static async Task<double> PostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "SET synchronous_commit TO on; DROP TABLE IF EXISTS axgw_flush_rate; CREATE TABLE axgw_flush_rate (id bigserial PRIMARY KEY, v bytea)");
        try
        {
            return await MeasureAsync(async i =>
            {
                await using var insert = new NpgsqlCommand("INSERT INTO axgw_flush_rate (v) VALUES (decode(repeat('00', 1024), 'hex'))", connection);
                await insert.ExecuteNonQueryAsync();
            });
        }
        finally
        {
            await ExecuteAsync(connection, "DROP TABLE axgw_flush_rate");
        }
    }

    private static async Task<double> MeasureAsync(Func<int, Task> commit)
    {
        for (var i = 0; i < 20; i++)
        {
            await commit(i);
        }

        var watch = Stopwatch.StartNew();
        var count = 0;
        while (watch.Elapsed < _duration)
        {
            await commit(count++);
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
