using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A real PostgreSQL server started by the test: a fresh cluster (initdb) in a temporary folder, on a free loopback
/// port, its unix socket in that folder, run as the <c>postgres</c> OS user when the tests run as root (PostgreSQL
/// refuses to run as root). Where <c>CI</c> is set, missing PostgreSQL binaries fail the test instead of skipping it.
/// </summary>
/// <remarks>
/// The server never outlives the test process. It is started by a small bash wrapper (<see cref="WrapperScript"/>)
/// that holds the server as its child and stops it (fast shutdown, then SIGKILL after 10 s) as soon as its stdin
/// reaches end of file, which happens when this class closes it or when the test process dies however it dies (the
/// kernel closes the pipe's write end with the process), and also when <c>kill -0</c> finds the test process gone. A
/// wrapper whose test process died also deletes the folder. PR_SET_PDEATHSIG is not used: it fires when the forking
/// thread ends, not the process, and .NET forks from whichever thread pool thread started the process.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string User = "postgres";

    private const string WrapperScript = """
        dir=$1; port=$2; parent=$3; bin=$4
        server_args=(-D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=32MB -c fsync=on -c synchronous_commit=on)
        if [ "$(id -u)" = 0 ]; then
          setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/postgres" "${server_args[@]}" >>"$dir/server.log" 2>&1 </dev/null &
        else
          "$bin/postgres" "${server_args[@]}" >>"$dir/server.log" 2>&1 </dev/null &
        fi
        pg=$!
        echo "$pg"
        alive() { [ -r "/proc/$pg/stat" ] && [ "$(cut -d' ' -f3 "/proc/$pg/stat" 2>/dev/null)" != Z ]; }
        # Until stdin ends (closed by the test, or by the kernel when the test process died) or the test process is gone.
        while kill -0 "$parent" 2>/dev/null; do
          read -r -t 1 _; rc=$?
          if [ "$rc" -ne 0 ] && [ "$rc" -le 128 ]; then break; fi
        done
        kill -INT "$pg" 2>/dev/null
        i=0
        while alive && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        if alive; then kill -KILL "$pg" 2>/dev/null; fi
        wait "$pg" 2>/dev/null
        if ! kill -0 "$parent" 2>/dev/null; then rm -rf "$dir"; fi
        """;

    private readonly string _bin;
    private Process? _wrapper;

    private PostgresServer(string bin, string directory, int port)
    {
        _bin = bin;
        Directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The temporary folder: <c>data/</c> (the cluster), the unix socket and <c>server.log</c>.</summary>
    public string Directory { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public int? ServerProcessId { get; private set; }

    /// <summary>The superuser on the default database, over TCP on loopback.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={User};Database=postgres;Timeout=5;Command Timeout=15";

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
        var bin = FindBinDirectory();
        if (bin is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb), and CI is set: .ci/run must install it (apt-get install -y postgresql).");
            Skip.If(true, "PostgreSQL is not installed (apt-get install -y postgresql): the PostgreSQL store tests are skipped.");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("axgw-pg-").FullName;
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", [$"{User}:{User}", directory]);
            }

            await RunAsync(Environment.IsPrivilegedProcess ? "setpriv" : Path.Combine(bin!, "initdb"), [
                .. Environment.IsPrivilegedProcess ? new[] { $"--reuid={User}", $"--regid={User}", "--init-groups", "--", Path.Combine(bin!, "initdb") } : [],
                "-D", Path.Combine(directory, "data"), "-U", User, "-A", "trust", "--no-sync", "-E", "UTF8", "--no-locale"],
                directory);

            var server = new PostgresServer(bin!, directory, FreePort.Next());
            await server.RestartAsync();
            return server;
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Starts the server (again, on the same port and data) and waits until it accepts connections.</summary>
    public async Task RestartAsync()
    {
        Assert.Null(_wrapper);
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", WrapperScript, "pg-wrapper", Directory, Port.ToString(CultureInfo.InvariantCulture), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), _bin },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        _wrapper = Process.Start(start)!;
        _wrapper.ErrorDataReceived += (_, _) => { };
        _wrapper.BeginErrorReadLine();
        var pidLine = await _wrapper.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        ServerProcessId = int.Parse(pidLine!, CultureInfo.InvariantCulture);

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString + ";Timeout=2;Pooling=false");
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (deadline.Elapsed < TimeSpan.FromSeconds(30) && !_wrapper.HasExited)
            {
                await Task.Delay(100);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"PostgreSQL did not accept connections on port {Port} ({Log()}).", ex);
            }
        }
    }

    /// <summary>Stops the server (fast shutdown: sessions are ended, nothing committed is lost) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_wrapper is null)
        {
            return;
        }

        var wrapper = _wrapper;
        _wrapper = null;
        try
        {
            wrapper.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await wrapper.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                if (ServerProcessId is { } pid)
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill();
                    }
                    catch (ArgumentException)
                    {
                    }
                }

                wrapper.Kill(entireProcessTree: true);
                await wrapper.WaitForExitAsync();
            }
        }
        finally
        {
            wrapper.Dispose();
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
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private string Log()
    {
        try
        {
            return File.ReadAllText(Path.Combine(Directory, "server.log"));
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    private static async Task RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await output}{await error}");
    }
}
