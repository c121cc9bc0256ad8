using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// Issue 17: <c>dotnet run --project src/Axitech.Gateway</c> read the copy of <c>config/</c> under <c>bin/</c>, so editing
/// the repository's <c>config/</c> changed nothing. This test does what a developer does, on a copy of the clone: runs
/// <c>dotnet run</c> from another folder, edits the copy's <c>config/</c> and sees the new route answer. The copy has to be
/// built (the folder is named by the build, so no binary built elsewhere can stand in for it): about 30 seconds on two
/// cores, most of the command tests' run time.
/// </summary>
public sealed class DevelopmentConfigFolderTests : IDisposable
{
    private const string AddedPath = "/webhooks/added-by-an-edit";

    private static readonly TimeSpan _buildTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan _reloadTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-clone-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task DotnetRun_FromAClone_ReadsAndReloadsTheClonesConfigFolder()
    {
        var clone = CopyClone(Path.Combine(_directory.FullName, "clone"));
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory.FullName, "elsewhere")).FullName;
        // Built first on its own, as `dotnet run` would build it: `dotnet run --no-build` then starts no compiler, so
        // ending its process tree at the end ends the gateway and nothing shared with other builds.
        var project = Path.Combine(clone, "src", "Axitech.Gateway");
        var build = await RunDotnetToTheEndAsync(
            // The advisories need the network, which a test must not; the copy's build is otherwise the clone's.
            // No build node or compiler server is left running after it.
            ["build", project, "-p:NuGetAudit=false", "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            elsewhere);
        Assert.True(build.ExitCode == 0, build.ToString());

        // The environment as a developer's shell has it (nothing naming a config folder or an environment): the launch
        // profile sets Development, as `dotnet run` applies it. The endpoints bind port 0 (the start-up line tells the
        // ports); the echo receiver's port is named in the demo's cluster first, so it is a random one, another if taken.
        await using var gateway = await PortCollision.RetryAsync(echoPort => GatewayProcess.StartAsync(DotnetStartInfo(
            [
                "run", "--no-build", "--project", project, "--",
                $"--Kestrel:Endpoints:Public:Url={TestGateway.AnyLoopbackPort}",
                $"--Kestrel:Endpoints:Management:Url={TestGateway.AnyLoopbackPort}",
                $"--Demo:EchoReceiverUrl=http://127.0.0.1:{echoPort.ToString(CultureInfo.InvariantCulture)}",
                $"--ReverseProxy:Clusters:demo-echo:Destinations:echo:Address=http://127.0.0.1:{echoPort.ToString(CultureInfo.InvariantCulture)}",
            ],
            elsewhere)));
        Assert.Contains("Hosting environment: Development", gateway.Output, StringComparison.Ordinal);
        using var client = new HttpClient { BaseAddress = gateway.PublicUrl, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.NotFound, await PostSignedAsync(client));

        var settings = Path.Combine(clone, "config", "appsettings.Development.json");
        var json = await File.ReadAllTextAsync(settings);
        Assert.Contains("\"Routes\": {", json, StringComparison.Ordinal);
        await File.WriteAllTextAsync(settings, json.Replace(
            "\"Routes\": {",
            $$"""
            "Routes": {
                  "added": { "ClusterId": "demo-echo", "Match": { "Path": "{{AddedPath}}" }, "Metadata": { "WebhookPolicy": "demo" } },
            """,
            StringComparison.Ordinal));

        var status = await Eventually.UntilAsync(
            () => PostSignedAsync(client),
            s => s != HttpStatusCode.NotFound,
            _reloadTimeout,
            s => $"{AddedPath} answered {s} after the edit:\n{gateway.Output}",
            TimeSpan.FromMilliseconds(200));
        Assert.True(status == HttpStatusCode.OK, $"{AddedPath} answered {status} after the edit:\n{gateway.Output}");
    }

    /// <summary><c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>, the environment cleared as for the executable.</summary>
    private static ProcessStartInfo DotnetStartInfo(IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = GatewayExecutable.CreateStartInfo([]);
        startInfo.ArgumentList.Clear();
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.WorkingDirectory = workingDirectory;
        return startInfo;
    }

    private static Task<CommandResult> RunDotnetToTheEndAsync(IEnumerable<string> arguments, string workingDirectory)
        => ChildProcess.RunToEndAsync(DotnetStartInfo(arguments, workingDirectory), standardInput: null, _buildTimeout);

    /// <summary>A genuine delivery to the added path, signed with the demo secret.</summary>
    private static async Task<HttpStatusCode> PostSignedAsync(HttpClient client)
    {
        var body = Encoding.UTF8.GetBytes($$$"""{"event_type":"session.submitted","data":{"sessionId":"{{{Guid.NewGuid():n}}}"}}""");
        var timestamp = WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow());
        using var request = new HttpRequestMessage(HttpMethod.Post, AddedPath) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(AxitechSignature.TimestampHeaderName, timestamp);
        request.Headers.Add(AxitechSignature.SignatureHeaderName, AxitechSignature.Sign(GatewayProcessFixture.DemoSecret, "POST", AddedPath, timestamp, body));
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>
    /// The repository as a clone has it, without build output: the files at its root that the build reads, src/ and
    /// config/. Found by walking up from the tests to the folder holding Axitech.Gateway.sln.
    /// </summary>
    private static string CopyClone(string destination)
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "Axitech.Gateway.sln")))
        {
            repository = repository.Parent;
        }

        if (repository is null)
        {
            throw new DirectoryNotFoundException($"No Axitech.Gateway.sln above {AppContext.BaseDirectory}.");
        }

        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", "BannedSymbols.txt", ".editorconfig" })
        {
            Directory.CreateDirectory(destination);
            File.Copy(Path.Combine(repository.FullName, file), Path.Combine(destination, file));
        }

        CopyDirectory(Path.Combine(repository.FullName, "src"), Path.Combine(destination, "src"));
        CopyDirectory(Path.Combine(repository.FullName, "config"), Path.Combine(destination, "config"));
        return destination;
    }

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }
}
