using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing.Processes;
using Axitech.Gateway.Testing.Upstreams;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.Testing.Gateways;

/// <summary>
/// The built gateway (<c>dotnet Axitech.Gateway.dll</c>) as its own process, for what only a process shows: signals,
/// exit codes, its console output, its own memory. Configured as <see cref="TestGateway"/> is (the same
/// <see cref="TestGateway.DefaultConfiguration"/>, changed by <c>configure</c>), handed over as environment variables
/// (the <c>__</c> mapping), as a container runs it, but for the endpoints, which go on the command line. They bind
/// port 0; the addresses they got are read from the gateway's start-up line (event 1 of category
/// <c>Axitech.Gateway</c>), which names the Public and Management addresses.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private const int MaxLines = 20_000;
    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _standardOutput = new();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Match> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _ownedConfigDirectory;
    private readonly RecordingUpstream? _upstream;
    private readonly bool _ownsUpstream;

    private GatewayProcess(Process process, RecordingUpstream? upstream, bool ownsUpstream, string? ownedConfigDirectory)
    {
        _process = process;
        _upstream = upstream;
        _ownsUpstream = ownsUpstream;
        _ownedConfigDirectory = ownedConfigDirectory;
        process.OutputDataReceived += (_, e) => Record(e.Data, standardOutput: true);
        process.ErrorDataReceived += (_, e) => Record(e.Data, standardOutput: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>The upstream the default routes forward to.</summary>
    public RecordingUpstream Upstream => _upstream ?? throw new InvalidOperationException("This gateway was started from a command line of its own, without a recording upstream.");

    /// <summary>The bound addresses of every endpoint but Management (<c>http://127.0.0.1:33973</c>), Public's first.</summary>
    public IReadOnlyList<Uri> PublicUrls { get; private set; } = [];

    public Uri PublicUrl => PublicUrls[0];

    public Uri ManagementUrl { get; private set; } = null!;

    public int PublicPort => PublicUrl.Port;

    public int ManagementPort => ManagementUrl.Port;

    /// <summary>Every line the process wrote to stdout, in order.</summary>
    public IReadOnlyList<string> StandardOutputLines => [.. _standardOutput];

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts the gateway and waits for its start-up line.</summary>
    /// <param name="configure">Changes to <see cref="TestGateway.DefaultConfiguration"/> (null removes a value); given to the process as environment variables.</param>
    /// <param name="upstream">The upstream of the default routes; a new one (disposed with the process) otherwise.</param>
    /// <param name="environment">More environment variables, as given (e.g. <c>Logging__Console__FormatterName</c>).</param>
    /// <param name="arguments">Command-line arguments (configuration overrides such as <c>--Demo:EchoReceiverUrl=…</c>).</param>
    /// <param name="environmentName">ASPNETCORE_ENVIRONMENT.</param>
    /// <param name="configDirectory">The config folder (AXGW_CONFIG_DIR); an empty temporary one otherwise.</param>
    public static async Task<GatewayProcess> StartAsync(
        Action<Dictionary<string, string?>>? configure = null,
        RecordingUpstream? upstream = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        IReadOnlyList<string>? arguments = null,
        string environmentName = "Production",
        string? configDirectory = null)
    {
        var ownsUpstream = upstream is null;
        upstream ??= await RecordingUpstream.StartAsync();
        var ownedConfigDirectory = configDirectory is null ? Directory.CreateTempSubdirectory("axgw-process-").FullName : null;
        GatewayProcess? gateway = null;
        try
        {
            var variables = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = environmentName,
                [GatewayHostSettings.ConfigDirectoryVariable] = configDirectory ?? ownedConfigDirectory,
            };
            // The endpoints go on the command line, which outranks the environment and which no other host in the
            // process reads (the Development demo's echo receiver reads the environment, Kestrel's keys included).
            var configuration = LetTheStartupLineThrough(TestGateway.Configuration(upstream.Address, configure));
            var endpoints = configuration.Where(p => p.Key.StartsWith("Kestrel:Endpoints:", StringComparison.OrdinalIgnoreCase)).ToList();
            foreach (var (key, value) in configuration.Except(endpoints))
            {
                variables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            {
                variables[name] = value;
            }

            var process = ChildProcess.Start(GatewayExecutable.CreateStartInfo([.. endpoints.Select(p => $"--{p.Key}={p.Value}"), .. arguments ?? []], variables));
            gateway = new GatewayProcess(process, upstream, ownsUpstream, ownedConfigDirectory);
            await gateway.WaitUntilListeningAsync();
            return gateway;
        }
        catch
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }
            else
            {
                if (ownsUpstream)
                {
                    await upstream.DisposeAsync();
                }

                DeleteDirectory(ownedConfigDirectory);
            }

            throw;
        }
    }

    /// <summary>
    /// Starts a gateway the way <paramref name="startInfo"/> says (<c>dotnet run --project …</c>, say, with its own
    /// configuration) through <see cref="ChildProcess"/>, and waits for its start-up line, from which the ports are read
    /// as for any gateway process. Disposing it ends its whole process tree (<c>dotnet run</c> and the gateway it started).
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(ProcessStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        var gateway = new GatewayProcess(ChildProcess.Start(startInfo), upstream: null, ownsUpstream: false, ownedConfigDirectory: null);
        try
        {
            await gateway.WaitUntilListeningAsync();
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a signal as an orchestrator does (<c>kill -TERM</c>).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = ChildProcess.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture) } });
        await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The exit code, or null if the process is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Resident set size, from /proc.</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        if (_ownsUpstream && _upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        DeleteDirectory(_ownedConfigDirectory);
    }

    /// <summary>
    /// The start-up line is Information; a test that keeps the gateway's logs at Warning keeps them there for every
    /// category below <c>Axitech.Gateway</c> (<c>Axitech.Gateway.*</c>) and lets the gateway's own category through.
    /// </summary>
    private static Dictionary<string, string?> LetTheStartupLineThrough(Dictionary<string, string?> configuration)
    {
        const string Own = "Logging:LogLevel:Axitech.Gateway";
        var level = configuration.GetValueOrDefault(Own) ?? configuration.GetValueOrDefault("Logging:LogLevel:Default") ?? nameof(LogLevel.Information);
        if (Enum.TryParse<LogLevel>(level, ignoreCase: true, out var parsed) && parsed > LogLevel.Information)
        {
            configuration.TryAdd(Own + ".*", level);
            configuration[Own] = nameof(LogLevel.Information);
        }

        return configuration;
    }

    private async Task WaitUntilListeningAsync()
    {
        var exited = _process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(_startTimeout, TestContext.Current.CancellationToken));
        if (first != _listening.Task)
        {
            // Let the last lines arrive before they are quoted.
            await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken));
            throw new InvalidOperationException(_process.HasExited
                ? $"The gateway process exited with code {_process.ExitCode} before it listened:{Environment.NewLine}{Output}"
                : $"The gateway process ({_process.Id}) did not log its start-up line within {_startTimeout}:{Environment.NewLine}{Output}");
        }

        var line = await _listening.Task;
        PublicUrls = [.. line.Groups["public"].Value.Split(", ", StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u))];
        ManagementUrl = new Uri(line.Groups["management"].Value.Split(", ")[0]);
    }

    private void Record(string? line, bool standardOutput)
    {
        if (line is null)
        {
            return;
        }

        if (standardOutput)
        {
            _standardOutput.Enqueue(line);
            while (_standardOutput.Count > MaxLines && _standardOutput.TryDequeue(out _))
            {
            }

            if (!_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(match);
            }
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private static void DeleteDirectory(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // "Axitech.Gateway listening on {Addresses} (Public: {PublicUrl}, webhooks; Management: {ManagementUrl}, /healthz /readyz /metrics).",
    // in the simple console format or as the Message of a JSON line.
    [GeneratedRegex(@"Axitech\.Gateway listening on (?<addresses>.+?) \(Public: (?<public>.+?), webhooks; Management: (?<management>.+?), /healthz /readyz /metrics\)\.")]
    private static partial Regex ListeningLine();
}
