using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Axitech.Gateway.Testing.Polling;
using Axitech.Gateway.Testing.Processes;
using Npgsql;

namespace Axitech.Gateway.Testing.Services;

/// <summary>
/// A real PostgreSQL server started by the test: a fresh cluster (initdb) in a temporary folder of its own, run as the
/// <c>postgres</c> OS user when the tests run as root (PostgreSQL refuses to run as root). It listens on a unix socket
/// in that folder only (<c>listen_addresses=''</c>), not on a TCP port: there is no port to pick, so nothing to race
/// for, and a restart finds its address free. Npgsql reads a <c>Host</c> that is a folder as the socket's folder.
/// </summary>
/// <remarks>
/// Started through <see cref="ChildProcess"/> (with <c>setpriv</c> exec'ing the server under the launcher), so the
/// server dies with the test process however that ends; its backends follow the postmaster. A server that is stopped
/// gets a fast shutdown (SIGINT: sessions end, nothing committed is lost), SIGKILL after 10 seconds.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "postgres";

    // The socket is <folder>/.s.PGSQL.<port>; with no TCP listener the number only names the file.
    private const int SocketPort = 5432;

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _stopTimeout = TimeSpan.FromSeconds(10);

    private readonly string _bin;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private PostgresServer(string bin, string directory)
    {
        _bin = bin;
        Directory = directory;
    }

    /// <summary>The temporary folder: <c>data/</c> (the cluster) and the unix socket.</summary>
    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    /// <summary>The superuser on the default database, over the unix socket.</summary>
    public string ConnectionString => $"Host={Directory};Port={SocketPort.ToString(CultureInfo.InvariantCulture)};Username={User};Database=postgres;Timeout=5;Command Timeout=15";

    /// <summary>What the server wrote (its last lines), for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>The newest installed server's bin folder (/usr/lib/postgresql/N/bin), or null.</summary>
    public static string? FindBinDirectory()
        => System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
                .Where(d => File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "postgres")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null;

    /// <summary>Creates a cluster and starts it, or skips the test (fails it under CI) when PostgreSQL is not installed.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Prerequisites.Require(FindBinDirectory(), "PostgreSQL (initdb and postgres under /usr/lib/postgresql/*/bin)");
        var server = new PostgresServer(bin, System.IO.Directory.CreateTempSubdirectory("axgw-pg-").FullName);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync(new ProcessStartInfo("chown", [$"{User}:{User}", server.Directory]));
            }

            var initdb = AsServerUser(Path.Combine(bin, "initdb"), ["-D", server.DataDirectory, "-U", User, "-A", "trust", "--no-sync", "-E", "UTF8", "--no-locale"]);
            initdb.WorkingDirectory = server.Directory;
            await RunAsync(initdb);
            await server.RestartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again, on the same socket and data) and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        Assert.Null(_process);
        _output.Clear();
        var start = AsServerUser(Path.Combine(_bin, "postgres"), [
            "-D", DataDirectory,
            "-p", SocketPort.ToString(CultureInfo.InvariantCulture),
            "-k", Directory,
            "-c", "listen_addresses=",
            "-c", "max_connections=300",
            "-c", "shared_buffers=32MB",
            "-c", "fsync=on",
            "-c", "synchronous_commit=on"]);
        start.WorkingDirectory = Directory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = ChildProcess.Start(start);
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        await Eventually.UntilAsync(
            async () => process.HasExited || await AcceptsConnectionsAsync(),
            _startTimeout,
            () => $"PostgreSQL did not accept connections at {Directory} within {_startTimeout.TotalSeconds} seconds:{Environment.NewLine}{Output}",
            TimeSpan.FromMilliseconds(100));
        Assert.False(process.HasExited, $"PostgreSQL exited with code {(process.HasExited ? process.ExitCode : 0)}:{Environment.NewLine}{Output}");
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended, nothing committed is lost) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                await RunAsync(new ProcessStartInfo("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]));
                try
                {
                    await process.WaitForExitAsync().WaitAsync(_stopTimeout);
                }
                catch (TimeoutException)
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            process.Dispose();
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>A new empty schema; the connection string puts the store's tables in it (Search Path).</summary>
    public async Task<string> CreateSchemaAsync()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
        await command.ExecuteNonQueryAsync();
        return $"{ConnectionString};Search Path={schema}";
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString + ";Timeout=2;Pooling=false");
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The program as the <c>postgres</c> user when the tests run as root (setpriv execs it: same process).</summary>
    private static ProcessStartInfo AsServerUser(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Environment.IsPrivilegedProcess ? "setpriv" : program) { UseShellExecute = false };
        if (Environment.IsPrivilegedProcess)
        {
            foreach (var argument in new[] { $"--reuid={User}", $"--regid={User}", "--init-groups", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs a short command to its end and asserts it succeeded.</summary>
    private static async Task RunAsync(ProcessStartInfo start)
    {
        var result = await ChildProcess.RunToEndAsync(start, standardInput: null, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {result.ExitCode}: {result.StandardOutput}{result.StandardError}");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 100 && _output.TryDequeue(out _))
        {
        }
    }
}
