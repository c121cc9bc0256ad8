using System.Diagnostics;
using System.Text;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// A real gateway process: the Development demo (route /webhooks/demo, the demo secret, the built-in echo upstream),
/// with the Public, Management and echo URLs moved to free loopback ports by command-line overrides, which is also
/// what shows that configuration overrides still reach the gateway through the command-line parser.
/// </summary>
public sealed class GatewayProcessFixture : IAsyncLifetime
{
    public const string DemoSecret = "wh_sec_demo_only_not_a_real_secret";

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _log = new();
    private Process? _process;

    public int PublicPort { get; } = FreePort.Next();

    public int ManagementPort { get; } = FreePort.Next();

    public int EchoPort { get; } = FreePort.Next();

    public string DemoUrl => $"http://127.0.0.1:{PublicPort}/webhooks/demo";

    public string HealthUrl => $"http://127.0.0.1:{ManagementPort}/healthz";

    /// <summary>What the gateway wrote so far, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        string[] args =
        [
            $"--Kestrel:Endpoints:Public:Url=http://127.0.0.1:{PublicPort}",
            $"--Kestrel:Endpoints:Management:Url=http://127.0.0.1:{ManagementPort}",
            $"--Demo:EchoReceiverUrl=http://127.0.0.1:{EchoPort}",
            $"--ReverseProxy:Clusters:demo-echo:Destinations:echo:Address=http://127.0.0.1:{EchoPort}",
        ];
        var startInfo = GatewayExecutable.CreateStartInfo(args, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["AXGW_CONFIG_DIR"] = GatewayExecutable.ConfigDirectory,
        });
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < _startTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {_process.ExitCode} before it was healthy:\n{Log}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(HealthUrl));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The gateway was not healthy at {HealthUrl} within {_startTimeout}:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
