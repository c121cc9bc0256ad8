using System.Globalization;

namespace Axitech.Gateway.CommandTests;

[Collection(RunningGateway.Name)]
public sealed class HealthcheckCommandTests
{
    private readonly GatewayProcessFixture _gateway;

    public HealthcheckCommandTests(GatewayProcessFixture gateway) => _gateway = gateway;

    [Fact]
    public async Task Healthcheck_AgainstARunningGatewayByUrl_ExitsZero()
    {
        var result = await GatewayExecutable.RunAsync("healthcheck", "--url", _gateway.HealthUrl);

        Assert.True(result.ExitCode == 0, $"{result}\n{_gateway.Log}");
        Assert.Contains("200", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_DerivesTheUrlFromTheManagementEndpointWithAWildcardHost()
    {
        // As in the container: the port comes from the environment, the host is a wildcard.
        var result = await GatewayExecutable.RunAsync(
            ["healthcheck"],
            new Dictionary<string, string?> { ["Kestrel__Endpoints__Management__Url"] = $"http://0.0.0.0:{_gateway.ManagementPort.ToString(CultureInfo.InvariantCulture)}" });

        Assert.True(result.ExitCode == 0, $"{result}\n{_gateway.Log}");
        Assert.Contains($"http://127.0.0.1:{_gateway.ManagementPort.ToString(CultureInfo.InvariantCulture)}/healthz", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_AgainstAClosedPort_ExitsOne()
    {
        using var closedPort = new ClosedPort();
        var closed = closedPort.Port.ToString(CultureInfo.InvariantCulture);

        var result = await GatewayExecutable.RunAsync(
            ["healthcheck"],
            new Dictionary<string, string?> { ["Kestrel__Endpoints__Management__Url"] = $"http://*:{closed}" });

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Contains($"http://127.0.0.1:{closed}/healthz", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_OnAPathThatIsNot200_ExitsOne()
    {
        var result = await GatewayExecutable.RunAsync("healthcheck", "--url", $"http://127.0.0.1:{_gateway.ManagementPort.ToString(CultureInfo.InvariantCulture)}/no-such-path");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("404", result.StandardError, StringComparison.Ordinal);
    }
}
