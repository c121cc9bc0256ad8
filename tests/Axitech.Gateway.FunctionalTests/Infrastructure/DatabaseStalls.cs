using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Axitech.Gateway.FunctionalTests;

/// <summary>Databases that stop answering without refusing: what a hung disk or a frozen server looks like to the store.</summary>
internal static class DatabaseStalls
{
    /// <summary>Another connection holds the SQLite file's write lock (<c>BEGIN EXCLUSIVE</c>) until disposed; readers still read.</summary>
    public static async Task<IAsyncDisposable> LockSqliteAsync(string databasePath)
    {
        var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE";
            await begin.ExecuteNonQueryAsync();
        }

        // Closing the connection rolls its transaction back and lets the writers in.
        return connection;
    }

    /// <summary>
    /// Pauses every client backend of the server with SIGSTOP (a pooled connection then hangs mid-command, as on a
    /// server that stopped answering; new connections still get a backend of their own) until disposed, which resumes
    /// them with SIGCONT whatever happened.
    /// </summary>
    public static async Task<IAsyncDisposable> PausePostgresBackendsAsync(string connectionString)
    {
        List<int> backends = [];
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                backends.Add(reader.GetInt32(0));
            }
        }

        Assert.NotEmpty(backends);
        var paused = new PausedBackends(backends);
        await paused.SignalAsync("-STOP");
        return paused;
    }

    private sealed class PausedBackends(List<int> pids) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(SignalAsync("-CONT"));

        public async Task SignalAsync(string signal)
        {
            using var kill = Process.Start("kill", [signal, .. pids.Select(pid => pid.ToString(CultureInfo.InvariantCulture))]);
            await kill.WaitForExitAsync();
        }
    }
}
