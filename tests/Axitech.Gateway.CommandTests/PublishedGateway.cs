using System.Diagnostics;

using Axitech.Gateway.Testing;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// The gateway as <c>dotnet publish src/Axitech.Gateway -c Release -o DIR</c> ships it (the Dockerfile's publish, the
/// systemd page's first step), published once into a temporary folder for the tests that need what ships.
/// </summary>
public sealed class PublishedGateway : IAsyncLifetime
{
    private static readonly TimeSpan _publishTimeout = TimeSpan.FromMinutes(5);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("axgw-published-").FullName;

    public string DllPath => Path.Combine(Directory, "Axitech.Gateway.dll");

    public async ValueTask InitializeAsync()
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            // The advisories need the network, which a test must not; no build node or compiler server outlives it.
            ArgumentList = { "publish", "src/Axitech.Gateway", "-c", "Release", "-o", Directory, "-p:NuGetAudit=false", "-nodeReuse:false", "-p:UseSharedCompilation=false" },
        };
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var result = await ChildProcess.RunToEndAsync(startInfo, standardInput: null, _publishTimeout);
        Assert.True(result.ExitCode == 0, $"dotnet publish failed: {result}");
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
