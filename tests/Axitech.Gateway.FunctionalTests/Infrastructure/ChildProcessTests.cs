using System.Diagnostics;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The launcher every test's child process starts through (<see cref="ChildProcess"/>): a server the tests start dies
/// with the test host, however the host ends. A stand-in plays the host here, since killing the real one would end
/// the run: the children watch the stand-in instead.
/// </summary>
public sealed class ChildProcessTests
{
    [Fact]
    public async Task WhenTheTestHostIsKilled_TheRedisServerAndTheGatewayItStartedAreKilledToo()
    {
        var redisServer = Prerequisites.Require(RedisServer.FindExecutable(), "redis-server");
        using var host = ChildProcess.Start(new ProcessStartInfo("sleep") { ArgumentList = { "600" } });
        var directory = Directory.CreateTempSubdirectory("axgw-reaping-").FullName;
        var children = new List<Process>();
        try
        {
            var redis = Start(children, new ProcessStartInfo(redisServer) { ArgumentList = { "--port", "0", "--unixsocket", Path.Combine(directory, "redis.sock"), "--dir", directory, "--save", string.Empty } }, host.Id);
            var gatewayStart = GatewayExecutable.CreateStartInfo(
                [$"--Kestrel:Endpoints:Public:Url={TestGateway.AnyLoopbackPort}", $"--Kestrel:Endpoints:Management:Url={TestGateway.AnyLoopbackPort}"],
                new Dictionary<string, string?> { [GatewayHostSettings.ConfigDirectoryVariable] = directory });
            gatewayStart.RedirectStandardInput = false;
            var gateway = Start(children, gatewayStart, host.Id);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Assert.False(redis.HasExited, "redis-server ended before the host did.");
            Assert.False(gateway.HasExited, "The gateway ended before the host did.");

            host.Kill();

            await Eventually.UntilAsync(() => redis.HasExited && gateway.HasExited, TimeSpan.FromSeconds(10), "A child outlived the host it watched by 10 seconds.");
            Assert.Equal(128 + 9, redis.ExitCode);
            Assert.Equal(128 + 9, gateway.ExitCode);
        }
        finally
        {
            // Should the launcher fail, the test fails without leaving the children behind.
            foreach (var child in children)
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }

                child.Dispose();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static Process Start(List<Process> children, ProcessStartInfo start, int watchedProcessId)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = ChildProcess.Start(start, watchedProcessId);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        children.Add(process);
        return process;
    }
}
