using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// Issue 17: <c>sign --target hooks/x</c> and <c>--target http://x/…</c> were signed silently, and no delivery can be
/// sent with either target. A target is the path and query as sent; anything else is refused with what to give.
/// </summary>
public sealed class SignTargetTests
{
    private const string SecretVariable = "AXGW_TEST_SIGN_TARGET_SECRET";

    [Theory]
    [InlineData("hooks/x", "--target 'hooks/x' is not a request target: give the path and query as sent, starting with '/' (such as /webhooks/claims?x=1).")]
    [InlineData("localhost:8080/hooks/x", "--target 'localhost:8080/hooks/x' is not a request target: give the path and query as sent, starting with '/' (such as /webhooks/claims?x=1).")]
    [InlineData("http://x/hooks/x?a=1#top", "--target 'http://x/hooks/x?a=1#top' is a URL; give the request target, the path and query as sent, starting with '/' ('/hooks/x?a=1' for this URL), or give the URL with --curl.")]
    [InlineData("/hooks/x?n=René a", "--target '/hooks/x?n=René a' has characters that cannot be sent on a request line as written (spaces, non-ASCII, ...); as sent it is '/hooks/x?n=Ren%C3%A9%20a'. Give that.")]
    [InlineData("/hooks/x#top", "--target '/hooks/x#top' has a fragment ('#...'), which is never sent; leave it out.")]
    public async Task Sign_TargetThatIsNotAPathAndQueryAsSent_IsRefusedOnOneLineSayingWhatToGive(string target, string message)
    {
        var result = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--target", target],
            new Dictionary<string, string?> { [SecretVariable] = "wh_sec_sign_target" });

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Equal(message, Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    [Fact]
    public async Task Sign_TargetAlreadyPercentEncoded_IsSignedAsGiven()
    {
        var result = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--target", "/webhooks/caf%C3%A9?q=%E2%9C%93&x=%20y", "--timestamp", "1672574400"],
            new Dictionary<string, string?> { [SecretVariable] = "wh_sec_sign_target" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith($"x-aw-signature: {AxitechSignature.Sign("wh_sec_sign_target", "POST", "/webhooks/caf%C3%A9?q=%E2%9C%93&x=%20y", "1672574400", [])}\n", result.StandardOutput, StringComparison.Ordinal);
    }
}
