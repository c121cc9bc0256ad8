using System.Diagnostics;
using System.Text;
using Axitech.Gateway.Testing.Processes;

namespace Axitech.Gateway.Testing.Gateways;

/// <summary>
/// The built <c>Axitech.Gateway.dll</c> (copied beside the tests by their reference to the gateway project), run as
/// a real process through <see cref="ChildProcess"/>, with an environment cleared of anything that would change which
/// configuration it reads. <see cref="GatewayProcess"/> runs the gateway itself this way; <see cref="RunAsync(string[])"/>
/// runs a command (sign, send, check-config, healthcheck) to its end.
/// </summary>
public static class GatewayExecutable
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    private static readonly string[] _isolatedVariablePrefixes =
        ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "AXGW_", "Webhooks__", "ReverseProxy__", "Kestrel__", "Demo__", "Gateway__", "Deduplication__", "ConnectionStrings__", "Logging__", "OTEL_"];

    public static string Directory => AppContext.BaseDirectory;

    public static string DllPath => Path.Combine(Directory, "Axitech.Gateway.dll");

    /// <summary>The demo configuration folder (config/appsettings*.json copied from the repository).</summary>
    public static string ConfigDirectory => Path.Combine(Directory, "config");

    public static ProcessStartInfo CreateStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var startInfo = new ProcessStartInfo(DotnetHost())
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
        return await ChildProcess.RunToEndAsync(CreateStartInfo(args.ToList(), environment), standardInput, _timeout);
    }

    public static Task<CommandResult> RunAsync(params string[] args) => RunAsync(args, environment: null);

    /// <summary>The muxer this test runs on (<c>dotnet test</c> sets DOTNET_HOST_PATH), else <c>dotnet</c> on PATH.</summary>
    private static string DotnetHost()
        => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? path
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
