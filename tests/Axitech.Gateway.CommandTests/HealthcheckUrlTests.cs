namespace Axitech.Gateway.CommandTests;

/// <summary>Issue 17: a <c>--url</c> without a scheme ended in an unhandled <see cref="UriFormatException"/>.</summary>
public sealed class HealthcheckUrlTests
{
    [Theory]
    [InlineData("127.0.0.1:19462")]
    [InlineData("localhost:9464")] // an absolute URI whose scheme is 'localhost'
    [InlineData("ftp://127.0.0.1:9464/healthz")]
    [InlineData("http://")]
    public async Task Healthcheck_UrlThatIsNotAnAbsoluteHttpUrl_IsRefusedOnOneLineWithExitCodeOne(string url)
    {
        var result = await GatewayExecutable.RunAsync("healthcheck", "--url", url);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal($"--url '{url}' is not an absolute http:// or https:// URL such as http://127.0.0.1:9464/healthz; a missing scheme is not guessed.", line);
    }
}
