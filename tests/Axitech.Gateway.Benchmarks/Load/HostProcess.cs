using System.Diagnostics;
using System.Reflection;
using System.Threading.Channels;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// A load host started by the orchestrator: this same executable in <c>load-host</c> mode, talked to over stdin and
/// stdout. Its other output (logs) is passed through to stderr with the role in front.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan _replyTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();

    private HostProcess(Process process, HostArguments arguments)
    {
        _process = process;
        Arguments = arguments;
    }

    public HostArguments Arguments { get; }

    public string Role => Arguments.Role;

    public int ProcessId => _process.Id;

    /// <summary>The port the host's Public endpoint bound (port 0 asked for), from its ready line.</summary>
    public int Port { get; private set; }

    public Uri Url => new($"http://127.0.0.1:{Port}{LoadHost.RoutePath}");

    /// <param name="fixedGcHeapCount">Turns DATAS off, for allocation counts that hold (see below); the soak keeps the default.</param>
    public static async Task<HostProcess> StartAsync(HostArguments arguments, bool fixedGcHeapCount)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // `dotnet run` starts the apphost; `dotnet X.dll` starts the muxer, which needs the assembly first.
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        start.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add("load-host");
        foreach (var argument in arguments.ToArguments())
        {
            start.ArgumentList.Add(argument);
        }

        // Both proxies run with the gateway's own GC settings (Axitech.Gateway.csproj: server, concurrent), with a
        // fixed heap count: under DATAS (the default with server GC since .NET 9) GC.GetTotalAllocatedBytes drops
        // when a heap is decommissioned (dotnet/runtime#131069), which made allocation deltas negative here.
        start.Environment["DOTNET_gcServer"] = "1";
        start.Environment["DOTNET_gcConcurrent"] = "1";
        if (fixedGcHeapCount)
        {
            start.Environment["DOTNET_GCDynamicAdaptationMode"] = "0";
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(process, arguments);
        process.OutputDataReceived += (_, e) => host.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[{arguments.Role}] {e.Data}");
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var ready = await host.ReadReplyAsync();
        if (!ready.StartsWith(LoadHost.ReadyPrefix, StringComparison.Ordinal)
            || !int.TryParse(ready.AsSpan(LoadHost.ReadyPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"The {arguments.Role} host said '{ready}' instead of ready and its port.");
        }

        host.Port = port;
        return host;
    }

    public async Task<HostStats> StatsAsync()
    {
        var reply = await AskAsync("stats");
        return reply.StartsWith(HostStats.Prefix, StringComparison.Ordinal)
            ? HostStats.Parse(reply)
            : throw new InvalidOperationException($"The {Role} host answered '{reply}' to stats.");
    }

    /// <summary>The heap after a full, blocking collection, and the duplicate store's entries then (see <c>live-heap</c>).</summary>
    public async Task<(long HeapBytes, long StoreEntries)> LiveHeapAsync()
    {
        var reply = await AskAsync("live-heap");
        return reply.StartsWith(LoadHost.LiveHeapPrefix, StringComparison.Ordinal) && reply[LoadHost.LiveHeapPrefix.Length..].Split(' ') is [var heap, var entries]
            ? (long.Parse(heap, System.Globalization.CultureInfo.InvariantCulture), long.Parse(entries, System.Globalization.CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"The {Role} host answered '{reply}' to live-heap.");
    }

    /// <summary>The sampled allocations by type since the last reset (empty unless the host samples them).</summary>
    public async Task<IReadOnlyList<(string Type, long Bytes)>> AllocationsAsync(bool reset = false)
    {
        var reply = await AskAsync(reset ? "allocations-reset" : "allocations");
        if (!reply.StartsWith(LoadHost.AllocationsPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The {Role} host answered '{reply}' to allocations.");
        }

        return [.. reply[LoadHost.AllocationsPrefix.Length..]
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('|', 2))
            .Select(parts => (parts[1], long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("exit");
                await _process.StandardInput.FlushAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // It did not stop when asked: end it (this process started it; nothing else is touched).
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _replies.Writer.TryComplete();
        }
        else if (line.StartsWith("@@", StringComparison.Ordinal))
        {
            _replies.Writer.TryWrite(line);
        }
        else
        {
            Console.Error.WriteLine($"[{Role}] {line}");
        }
    }

    /// <summary>Sends one command on the host's stdin and waits for its reply line.</summary>
    private async Task<string> AskAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return await ReadReplyAsync();
    }

    private async Task<string> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(_replyTimeout);
        try
        {
            return await _replies.Reader.ReadAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            throw new InvalidOperationException($"The {Role} host (pid {_process.Id}) did not answer; it has {(_process.HasExited ? $"exited with code {_process.ExitCode}" : "stopped answering")}.", ex);
        }
    }
}
