namespace Axitech.Gateway.CommandTests;

public sealed class GatewayCommandLineTests
{
    [Theory]
    [InlineData("sign", "--secret-env")]
    [InlineData("send", "--tamper")]
    [InlineData("check-config", "--config-dir")]
    [InlineData("healthcheck", "--url")]
    public async Task Help_OnEachCommand_DescribesItsOptions(string command, string option)
    {
        var result = await GatewayExecutable.RunAsync(command, "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"Usage:\n  Axitech.Gateway {command} [options]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(option, result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_WithoutACommand_ListsEveryCommand()
    {
        var result = await GatewayExecutable.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(["sign", "send", "check-config", "healthcheck"], c => Assert.Contains($"  {c} ", result.StandardOutput, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownCommand_FailsInsteadOfStartingTheGateway()
    {
        var result = await GatewayExecutable.RunAsync("chek-config");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("'chek-config' is not a command", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOptionOfACommand_FailsOnStandardError()
    {
        var result = await GatewayExecutable.RunAsync("healthcheck", "--no-such-option");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Contains("--no-such-option", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayWithAnInvalidOverride_StartsNotAndSaysWhy()
    {
        // The override reaches the gateway's configuration through the parser: a policy without a secret stops start-up.
        var result = await GatewayExecutable.RunAsync(
            ["--Webhooks:Policies:broken:Tolerance=00:01:00", "--Kestrel:Endpoints:Public:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:Management:Url=http://127.0.0.1:0"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Webhook policy 'broken' has no secret", result.StandardError, StringComparison.Ordinal);
    }
}
