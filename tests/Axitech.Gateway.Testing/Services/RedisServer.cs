using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Axitech.Gateway.Testing.Polling;
using Axitech.Gateway.Testing.Processes;

namespace Axitech.Gateway.Testing.Services;

/// <summary>
/// A real <c>redis-server</c> started by the test, killable and restartable at the same address. It listens on a unix
/// socket in a folder of its own, not on a TCP port: Redis cannot be asked for a free port (<c>--port 0</c> turns TCP
/// off), and a socket path cannot be taken by anyone else, so there is nothing to probe and nothing to race for, and
/// a restart finds its address free. StackExchange.Redis reads a path after <c>!</c> as a unix socket.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _durable;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private RedisServer(string directory, bool durable)
    {
        _directory = directory;
        _durable = durable;
    }

    public string SocketPath => Path.Combine(_directory, "redis.sock");

    public string ConnectionString => $"!{SocketPath},abortConnect=false,connectTimeout=1000,asyncTimeout=1000,syncTimeout=1000,connectRetry=1";

    public static string? FindExecutable() => Prerequisites.Find("redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server");

    /// <summary>Starts a server, or skips the test (fails it under CI) when redis-server is not installed.</summary>
    /// <param name="durable">
    /// Persist every write (AOF, fsync always) in its folder, so that a killed and restarted server still knows its
    /// keys, as a production Redis with persistence does. Without it a restart starts empty.
    /// </param>
    public static async Task<RedisServer> StartAsync(bool durable = false)
    {
        Prerequisites.Require(FindExecutable(), "redis-server");
        var server = new RedisServer(Directory.CreateTempSubdirectory("axgw-redis-").FullName, durable);
        try
        {
            await server.RestartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (again) at the same socket path and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo(FindExecutable()!)
        {
            ArgumentList =
            {
                "--port", "0",
                "--unixsocket", SocketPath,
                "--unixsocketperm", "700",
                "--dir", _directory,
                "--save", string.Empty,
                "--protected-mode", "yes",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _durable ? ["--appendonly", "yes", "--appendfsync", "always"] : new[] { "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _output.Clear();
        var process = ChildProcess.Start(start);
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        await Eventually.UntilAsync(
            async () => process.HasExited || await AnswersPingAsync(),
            TimeSpan.FromSeconds(10),
            () => $"redis-server did not answer at {SocketPath} within 10 seconds:{Environment.NewLine}{Output}");
        Assert.False(process.HasExited, $"redis-server exited with code {(process.HasExited ? process.ExitCode : 0)}:{Environment.NewLine}{Output}");
    }

    /// <summary>What the server wrote (its last lines), for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

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
        var answer = await SendAsync($"CLIENT PAUSE {(long)duration.TotalMilliseconds}\r\n");
        Assert.StartsWith("+OK", answer, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            return (await SendAsync("PING\r\n")).StartsWith("+PONG", StringComparison.Ordinal);
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

    private async Task<string> SendAsync(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command));
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 50 && _output.TryDequeue(out _))
        {
        }
    }
}
