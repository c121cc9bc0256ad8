using System.Diagnostics;
using System.Net.Sockets;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, started by the test, killable and restartable on the same
/// port. Where <c>CI</c> is set, a missing redis-server fails the test instead of skipping it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _dataDirectory;
    private Process? _process;

    private RedisServer(int port, string? dataDirectory)
    {
        Port = port;
        _dataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000,asyncTimeout=1000,syncTimeout=1000,connectRetry=1";

    public static string? FindExecutable()
        => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    /// <summary>Starts a server, or skips the test (fails it under CI) when redis-server is not installed.</summary>
    /// <param name="durable">
    /// Persist every write (AOF, fsync always) in a temporary folder, so that a killed and restarted server still
    /// knows its keys, as a production Redis with persistence does. Without it a restart starts empty.
    /// </param>
    public static async Task<RedisServer> StartAsync(bool durable = false)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("CI") is null, "redis-server is not installed, and CI is set: .ci/run must install it (apt-get install -y redis-server).");
            Assert.SkipWhen(true, "redis-server is not installed (apt-get install -y redis-server).");
        }

        var server = new RedisServer(FreePort.Next(), durable ? Directory.CreateTempSubdirectory("axgw-redis-").FullName : null);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo(FindExecutable()!)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--protected-mode", "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _dataDirectory is null
            ? ["--appendonly", "no"]
            : new[] { "--appendonly", "yes", "--appendfsync", "always", "--dir", _dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await AnswersPingAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, $"redis-server did not answer on port {Port} within 10 seconds.");
            Assert.False(_process.HasExited, $"redis-server exited with code {(_process.HasExited ? _process.ExitCode : 0)}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server without warning (SIGKILL): what a crash or a network cut looks like to the gateway.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>
    /// <c>CLIENT PAUSE</c>: Redis holds every client's commands for <paramref name="duration"/>, then carries them out.
    /// To a client with a shorter timeout, a command's answer never comes, although the command does run.
    /// </summary>
    public async Task PauseClientsAsync(TimeSpan duration)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"CLIENT PAUSE {(long)duration.TotalMilliseconds}\r\n"));
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer);
        Assert.StartsWith("+OK", System.Text.Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_dataDirectory is not null)
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
