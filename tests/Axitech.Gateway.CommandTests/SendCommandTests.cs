using System.Globalization;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

[Collection(RunningGateway.Name)]
public sealed class SendCommandTests : IDisposable
{
    private const string SecretVariable = "AXGW_TEST_SEND_SECRET";

    private readonly GatewayProcessFixture _gateway;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-send-");

    public SendCommandTests(GatewayProcessFixture gateway) => _gateway = gateway;

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Send_GenuineSampleEvent_IsAcceptedWith200AndExitsZero()
    {
        var result = await SendAsync(GatewayProcessFixture.DemoSecret, "--event", "session.submitted");

        Assert.True(result.ExitCode == 0, $"{result}\n{_gateway.Log}");
        Assert.Contains("status: 200 OK", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("duplicate: no", result.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"elapsed: \d+ ms", result.StandardOutput);
        Assert.DoesNotContain(GatewayProcessFixture.DemoSecret, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TheSameDeliveryTwice_ShowsTheDuplicateMarkerTheSecondTime()
    {
        var body = WriteFile("""{"event_type":"session.submitted","data":{"sessionId":""" + $"\"{Guid.NewGuid():n}\"}}}}");
        var timestamp = WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow());

        var first = await SendAsync(GatewayProcessFixture.DemoSecret, "--body-file", body, "--timestamp", timestamp);
        var second = await SendAsync(GatewayProcessFixture.DemoSecret, "--body-file", body, "--timestamp", timestamp);

        Assert.True(first.ExitCode == 0, $"{first}\n{_gateway.Log}");
        Assert.Contains("duplicate: no", first.StandardOutput, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, $"{second}\n{_gateway.Log}");
        Assert.Contains("status: 200 OK", second.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("duplicate: yes (X-Axitech-Duplicate: true)", second.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Tampered_IsRefusedWith401AndExitsZero()
    {
        var result = await SendAsync(GatewayProcessFixture.DemoSecret, "--event", "session.submitted", "--tamper");

        Assert.True(result.ExitCode == 0, $"{result}\n{_gateway.Log}");
        Assert.Contains("status: 401 Unauthorized (invalid_signature)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("tampered", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_TamperedEmptyBody_IsRefusedWith401AndExitsZero()
    {
        var result = await SendAsync(GatewayProcessFixture.DemoSecret, "--body-file", WriteFile(string.Empty), "--tamper");

        Assert.True(result.ExitCode == 0, $"{result}\n{_gateway.Log}");
        Assert.Contains("status: 401 Unauthorized (invalid_signature)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithTheWrongSecret_Is401AndExitsOneWithAHint()
    {
        var result = await SendAsync("wh_sec_not_the_demo_secret", "--event", "session.submitted");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("status: 401 Unauthorized (invalid_signature)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("check that the secret", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("wh_sec_not_the_demo_secret", result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_WithAnOldTimestamp_Is401StaleAndExitsOne()
    {
        var old = WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow().AddHours(-1));

        var result = await SendAsync(GatewayProcessFixture.DemoSecret, "--body-file", WriteFile("{}"), "--timestamp", old);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("(stale_timestamp)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ToAClosedPort_FailsOnStandardError()
    {
        using var closed = new ClosedPort();

        var result = await SendAsync(GatewayProcessFixture.DemoSecret, "--event", "session.submitted", "--url", $"http://127.0.0.1:{closed.Port.ToString(CultureInfo.InvariantCulture)}/webhooks/demo");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Could not send", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignWithCurl_PrintsACommandTheGatewayAccepts()
    {
        var body = WriteFile("""{"event_type":"session.submitted","note":"sent by curl"}""");
        var signed = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--curl", _gateway.DemoUrl, "--body-file", body],
            new Dictionary<string, string?> { [SecretVariable] = GatewayProcessFixture.DemoSecret });
        Assert.True(signed.ExitCode == 0, signed.ToString());

        var curl = await Shell.RunAsync(signed.StandardOutput);

        Assert.True(curl.ExitCode == 0, curl.ToString());
        Assert.StartsWith("HTTP/1.1 200", curl.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"received\":true", curl.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ToAQueuedRoute_PrintsTheDeliveryIdOfThe202()
    {
        await using var gateway = await GatewayProcess.StartAsync(c =>
        {
            c["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Queue";
            c["Webhooks:Queue:Path"] = Path.Combine(_directory.FullName, "queue.db");
        });

        var result = await SendAsync(TestGateway.Secret, "--url", new Uri(gateway.PublicUrl, TestGateway.ClaimsPath + "/events").ToString(), "--event", "session.submitted");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("status: 202 Accepted", result.StandardOutput, StringComparison.Ordinal);
        var id = Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.StandardOutput, @"delivery id: ([0-9a-f-]{36}) \(X-Axitech-Delivery-Id\)")).Groups[1].Value;
        Assert.True(Guid.TryParse(id, out _), result.StandardOutput);
    }

    private Task<CommandResult> SendAsync(string secret, params string[] args)
    {
        string[] url = args.Contains("--url") ? [] : ["--url", _gateway.DemoUrl];
        return GatewayExecutable.RunAsync(
            ["send", "--secret-env", SecretVariable, .. url, .. args],
            new Dictionary<string, string?> { [SecretVariable] = secret });
    }

    private string WriteFile(string text)
    {
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("n") + ".json");
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));
        return path;
    }
}
