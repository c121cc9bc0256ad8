using System.Globalization;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// Issue 17: <c>send --url 'http://h/x?a=b c'</c> and <c>?n=René</c> put a raw space and a NUL byte on the request line.
/// The target is now percent-encoded before it is signed, and what is signed is what is sent: checked on the bytes a
/// real listener receives, as the gateway verifies the target as received.
/// </summary>
public sealed class RequestTargetEncodingTests : IDisposable
{
    private const string SecretVariable = "AXGW_TEST_TARGET_SECRET";
    private const string Secret = "wh_sec_request_target_encoding";
    private const string Timestamp = "1672574400";
    private const string WrittenTarget = "/webhooks/x?a=b c&n=René&ok=%41";
    private const string SentTarget = "/webhooks/x?a=b%20c&n=Ren%C3%A9&ok=%41";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-target-");
    private readonly RecordingListener _listener = new();

    public void Dispose()
    {
        _listener.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Send_UrlWithASpaceAndNonAscii_SendsAPercentEncodedTargetAndSignsExactlyThatTarget()
    {
        var body = WriteBody("""{"event_type":"session.submitted"}""");

        var result = await GatewayExecutable.RunAsync(
            ["send", "--secret-env", SecretVariable, "--url", $"http://127.0.0.1:{Port}{WrittenTarget}", "--body-file", body, "--timestamp", Timestamp],
            new Dictionary<string, string?> { [SecretVariable] = Secret });
        var request = await _listener.Received.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertSignedAsSent(request);
        Assert.Contains($"POST http://127.0.0.1:{Port}{SentTarget} (", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignWithCurl_UrlWithASpaceAndNonAscii_PrintsACommandWhoseRequestLineIsTheSignedTarget()
    {
        var signed = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--curl", $"http://127.0.0.1:{Port}{WrittenTarget}", "--body-file", WriteBody("{}"), "--timestamp", Timestamp],
            new Dictionary<string, string?> { [SecretVariable] = Secret });
        Assert.True(signed.ExitCode == 0, signed.ToString());
        Assert.Contains($"'http://127.0.0.1:{Port}{SentTarget}'", signed.StandardOutput, StringComparison.Ordinal);

        var curl = await Shell.RunAsync(signed.StandardOutput);
        var request = await _listener.Received.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(curl.ExitCode == 0, curl.ToString());
        AssertSignedAsSent(request);
    }

    [Theory]
    [InlineData("send")]
    [InlineData("sign")]
    public async Task PercentSignThatStartsNoEscape_IsRefusedWithAMessageNotGuessed(string command)
    {
        string[] url = command == "send" ? ["--url", $"http://127.0.0.1:{Port}/x?discount=50%"] : ["--curl", $"http://127.0.0.1:{Port}/x?discount=50%"];

        var result = await GatewayExecutable.RunAsync(
            [command, "--secret-env", SecretVariable, .. url, "--body-file", WriteBody("{}")],
            new Dictionary<string, string?> { [SecretVariable] = Secret });

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{command}: 'http://127.0.0.1:{Port}/x?discount=50%' has a '%' that does not start a percent-encoded byte (%XX); write a literal '%' as %25.\n", result.StandardError);
        Assert.False(_listener.Received.IsCompleted);
    }

    private string Port => _listener.Port.ToString(CultureInfo.InvariantCulture);

    private static void AssertSignedAsSent(RecordedRequest request)
    {
        // Printable ASCII only, the two separating spaces aside: no raw space, NUL or UTF-8 byte in the target.
        Assert.All(request.RequestLine, b => Assert.InRange(b, (byte)0x20, (byte)0x7E));
        Assert.Equal($"POST {SentTarget} HTTP/1.1", request.RequestLineText);
        Assert.Equal(Timestamp, request.Headers["x-aw-timestamp"]);
        Assert.Equal(AxitechSignature.Sign(Secret, "POST", request.Target, Timestamp, request.Body), request.Headers["x-aw-signature"]);
    }

    private string WriteBody(string text)
    {
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("n") + ".json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }
}
