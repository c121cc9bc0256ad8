using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The built gateway (<c>Axitech.Gateway.dll</c>, copied beside the tests) run as its own process, configured through
/// the environment only, as a container runs it: for signals, exit codes and the process's own memory.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly string[] _inheritedPrefixes = ["Kestrel__", "Webhooks__", "ReverseProxy__", "Gateway__", "Deduplication__", "ConnectionStrings__", "Logging__", "OTEL_", "ASPNETCORE_", "DOTNET_ENVIRONMENT", GatewayHostSettings.ConfigDirectoryVariable];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _configDirectory;

    private GatewayProcess(Process process, int publicPort, int managementPort, string configDirectory)
    {
        _process = process;
        PublicPort = publicPort;
        ManagementPort = managementPort;
        _configDirectory = configDirectory;
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int PublicPort { get; }

    public int ManagementPort { get; }

    public int Id => _process.Id;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts the gateway with route <c>claims</c> (policy <c>axitech</c>) to <paramref name="upstreamAddress"/> and waits until /healthz answers.</summary>
    public static async Task<GatewayProcess> StartAsync(string upstreamAddress, IReadOnlyDictionary<string, string>? environment = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var publicPort = FreePort.Next();
            var managementPort = FreePort.Next();
            var configDirectory = Directory.CreateTempSubdirectory("axgw-process-").FullName;
            var start = new ProcessStartInfo(DotnetHost())
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Axitech.Gateway.dll") },
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var name in start.Environment.Keys.Where(k => _inheritedPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
            {
                start.Environment.Remove(name);
            }

            var variables = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                [GatewayHostSettings.ConfigDirectoryVariable] = configDirectory,
                ["Kestrel__Endpoints__Public__Url"] = $"http://127.0.0.1:{publicPort}",
                ["Kestrel__Endpoints__Management__Url"] = $"http://127.0.0.1:{managementPort}",
                ["Webhooks__Policies__axitech__Secrets__0"] = TestGateway.Secret,
                ["ReverseProxy__Routes__claims__ClusterId"] = "upstream",
                ["ReverseProxy__Routes__claims__Match__Path"] = TestGateway.ClaimsPath + "/{**rest}",
                ["ReverseProxy__Routes__claims__Metadata__WebhookPolicy"] = "axitech",
                ["ReverseProxy__Clusters__upstream__Destinations__d1__Address"] = upstreamAddress,
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Axitech.Gateway.Verification"] = "Error",
            };
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                variables[name] = value;
            }

            foreach (var (name, value) in variables)
            {
                start.Environment[name] = value;
            }

            var gateway = new GatewayProcess(Process.Start(start)!, publicPort, managementPort, configDirectory);
            if (await gateway.WaitUntilHealthyAsync())
            {
                return gateway;
            }

            var output = gateway.Output;
            await gateway.DisposeAsync();
            Assert.True(attempt < 2 && output.Contains("address already in use", StringComparison.OrdinalIgnoreCase), $"The gateway process did not become healthy:{Environment.NewLine}{output}");
        }
    }

    /// <summary>Sends a signal as an orchestrator does (<c>kill -TERM</c>).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The exit code, or null if the process is still running after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
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
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_configDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private async Task<bool> WaitUntilHealthyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync($"http://127.0.0.1:{ManagementPort}/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }
}
