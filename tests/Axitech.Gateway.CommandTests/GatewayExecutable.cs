using System.Diagnostics;
using System.Text;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// Runs the built <c>Axitech.Gateway.dll</c> (copied beside the tests by the project reference) as a real process,
/// with an environment cleared of anything that would change which configuration it reads.
/// </summary>
public static class GatewayExecutable
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    private static readonly string[] _isolatedVariablePrefixes =
        ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "AXGW_", "Webhooks__", "ReverseProxy__", "Kestrel__", "Demo__", "Gateway__"];

    public static string Directory => AppContext.BaseDirectory;

    public static string DllPath => Path.Combine(Directory, "Axitech.Gateway.dll");

    /// <summary>The demo configuration folder (config/appsettings*.json copied from the repository).</summary>
    public static string ConfigDirectory => Path.Combine(Directory, "config");

    public static ProcessStartInfo CreateStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        startInfo.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var name in startInfo.Environment.Keys.Where(k => _isolatedVariablePrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }

    /// <summary>Runs a command to its end; stdin gets <paramref name="standardInput"/> (nothing by default) and is closed.</summary>
    public static async Task<CommandResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, byte[]? standardInput = null)
    {
        using var process = Process.Start(CreateStartInfo(args, environment)) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(standardInput);
        }

        process.StandardInput.Close();

        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', args)}' did not end within {_timeout}: {await stdout}{await stderr}");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    public static Task<CommandResult> RunAsync(params string[] args) => RunAsync(args, environment: null);
}
