using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.CommandTests;

public sealed class SignCommandTests : IDisposable
{
    private const string SecretVariable = "AXGW_TEST_SIGNING_SECRET";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-sign-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public async Task Sign_MatchesEveryValidVendorVector(string name)
    {
        var (vector, result) = await SignVectorAsync(name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"x-aw-timestamp: {vector.Timestamp}\nx-aw-signature: {vector.Signature}\n", result.StandardOutput);
        Assert.Equal(string.Empty, result.StandardError);
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.InvalidNames), MemberType = typeof(SignatureVectors))]
    public async Task Sign_DoesNotReproduceTheSignatureOfAnInvalidVendorVector(string name)
    {
        var (vector, result) = await SignVectorAsync(name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches("^x-aw-timestamp: .+\nx-aw-signature: [0-9a-f]{64}\n$", result.StandardOutput);
        Assert.NotEqual(vector.Signature.ToLowerInvariant(), result.StandardOutput.Split('\n')[1]["x-aw-signature: ".Length..]);
    }

    [Fact]
    public async Task Sign_NeverPrintsTheSecret()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);
        var secretFile = WriteFile("secret", vector.Secret);

        var results = new[]
        {
            await SignAsync(vector, "--target", vector.Url, "--body-file", WriteBody(vector)),
            await SignAsync(vector, "--curl", "http://127.0.0.1:8080" + vector.Url, "--body-file", WriteBody(vector)),
            await GatewayExecutable.RunAsync(["sign", "--secret-file", secretFile, "--target", vector.Url], null, vector.Body),
            await SignAsync(vector, "--target", vector.Url, "--method", "not a method"),
        };

        Assert.All(results, r => Assert.DoesNotContain(vector.Secret, r.AllOutput, StringComparison.Ordinal));
        Assert.Equal([0, 0, 0], results.Take(3).Select(r => r.ExitCode));
        Assert.NotEqual(0, results[3].ExitCode);
    }

    [Fact]
    public async Task Sign_ReadsTheSecretFromAFileWithoutItsTrailingNewline()
    {
        var vector = SignatureVectors.All.First(v => v.Valid && v.Body.Length > 0);
        var secretFile = WriteFile("secret", vector.Secret + "\n");

        var result = await GatewayExecutable.RunAsync(["sign", "--secret-file", secretFile, "--target", vector.Url, "--body-file", WriteBody(vector), "--method", vector.Method, "--timestamp", vector.Timestamp]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith($"x-aw-signature: {vector.Signature}\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_ReadsTheBodyFromStandardInputWhenNoBodyFileIsGiven()
    {
        var vector = SignatureVectors.All.First(v => v.Valid && v.Body.Length > 0);

        var result = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--target", vector.Url, "--method", vector.Method, "--timestamp", vector.Timestamp],
            SecretEnvironment(vector),
            vector.Body);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.EndsWith($"x-aw-signature: {vector.Signature}\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seconds")]
    [InlineData("milliseconds")]
    [InlineData("iso")]
    public async Task Sign_WithoutATimestamp_SignsTheCurrentTimeInTheRequestedFormat(string format)
    {
        var vector = SignatureVectors.All.First(v => v.Valid && v.Body.Length > 0);
        var before = TimeProvider.System.GetUtcNow();

        var result = await SignAsync(vector, "--target", vector.Url, "--body-file", WriteBody(vector), "--timestamp-format", format);

        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.ExitCode == 0, result.ToString());
        var timestamp = Assert.Single(lines, l => l.StartsWith("x-aw-timestamp: ", StringComparison.Ordinal))["x-aw-timestamp: ".Length..];
        Assert.Equal(format == "iso", timestamp.Contains('T', StringComparison.Ordinal));
        Assert.Equal(format == "milliseconds", timestamp.Length == 13);
        Assert.True(WebhookTimestamp.TryParse(timestamp, out var signedAt), timestamp);
        Assert.InRange(signedAt, before.AddSeconds(-2), TimeProvider.System.GetUtcNow().AddSeconds(2));
        Assert.Contains($"x-aw-signature: {AxitechSignature.Sign(vector.Secret, "POST", vector.Url, timestamp, vector.Body)}", lines);
    }

    [Fact]
    public async Task Sign_WithCurl_PrintsACommandWithTheBodyFileAndSignedHeaders()
    {
        var vector = SignatureVectors.All.First(v => v.Valid && v.Url.Contains('?', StringComparison.Ordinal));
        var bodyFile = WriteBody(vector);

        var result = await SignAsync(vector, "--curl", "https://hooks.example.com" + vector.Url, "--body-file", bodyFile, "--timestamp", vector.Timestamp);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("curl ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"'https://hooks.example.com{vector.Url}'", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"-H 'x-aw-timestamp: {vector.Timestamp}'", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"-H 'x-aw-signature: {vector.Signature}'", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"--data-binary '@{bodyFile}'", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.StandardError);
    }

    [Fact]
    public async Task Sign_WithCurlAndABodyOnStandardInput_QuotesTheBodyForTheShell()
    {
        const string Body = """{"note":"it's quoted"}""";
        var expected = AxitechSignature.Sign("s3cret-for-quoting", "POST", "/webhooks/demo", "1672574400", Encoding.UTF8.GetBytes(Body));

        var result = await GatewayExecutable.RunAsync(
            ["sign", "--secret-env", SecretVariable, "--curl", "http://127.0.0.1:8080/webhooks/demo", "--timestamp", "1672574400"],
            new Dictionary<string, string?> { [SecretVariable] = "s3cret-for-quoting" },
            Encoding.UTF8.GetBytes(Body));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"-H 'x-aw-signature: {expected}'", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("""--data-binary '{"note":"it'\''s quoted"}'""", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_WithBothSecretSources_FailsOnStandardError()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);

        var result = await SignAsync(vector, "--target", "/", "--secret-file", WriteFile("secret", vector.Secret));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Contains("--secret-env", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_WithAnUnsetSecretVariable_FailsAndNamesTheVariable()
    {
        var result = await GatewayExecutable.RunAsync("sign", "--secret-env", "AXGW_TEST_NOT_SET", "--target", "/");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.StandardOutput);
        Assert.Contains("'AXGW_TEST_NOT_SET'", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Signs a vector's exact inputs: secret through the environment, body through a file.</summary>
    private async Task<(SignatureVector Vector, CommandResult Result)> SignVectorAsync(string name)
    {
        var vector = SignatureVectors.Named(name);
        return (vector, await SignAsync(vector, "--target", vector.Url, "--body-file", WriteBody(vector), "--method", vector.Method, "--timestamp", vector.Timestamp));
    }

    private static Dictionary<string, string?> SecretEnvironment(SignatureVector vector) => new() { [SecretVariable] = vector.Secret };

    private static Task<CommandResult> SignAsync(SignatureVector vector, params string[] args)
        => GatewayExecutable.RunAsync(["sign", "--secret-env", SecretVariable, .. args], SecretEnvironment(vector));

    private string WriteBody(SignatureVector vector)
    {
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("n") + ".body");
        File.WriteAllBytes(path, vector.Body);
        return path;
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}
