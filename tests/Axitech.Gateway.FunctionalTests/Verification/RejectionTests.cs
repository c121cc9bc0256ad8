using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Verification;

public sealed class RejectionTests : IAsyncLifetime
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = "65536");

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string, string> Forgeries() => new()
    {
        { "no signature header", "missing_signature" },
        { "empty signature header", "missing_signature" },
        { "signature by another secret", "invalid_signature" },
        { "body changed after signing", "invalid_signature" },
        { "target changed after signing", "invalid_signature" },
        { "timestamp changed after signing", "invalid_signature" },
        { "signature not hex", "invalid_signature" },
        { "signature truncated", "invalid_signature" },
        { "no timestamp header", "missing_timestamp" },
        { "timestamp with a sign", "invalid_timestamp" },
        { "timestamp stale by ten minutes", "stale_timestamp" },
        { "timestamp a day in the future", "future_timestamp" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Forgery_IsRefusedWith401AndItsReason_AndNothingIsForwarded(string forgery, string reason)
    {
        var now = DateTimeOffset.UtcNow;
        var genuine = SignedRequest.Create(Target);
        var request = forgery switch
        {
            "no signature header" => genuine with { Signature = string.Empty },
            "empty signature header" => genuine with { Signature = string.Empty },
            "signature by another secret" => SignedRequest.Create(Target, secret: "wh_sec_attacker"),
            "body changed after signing" => genuine with { Body = [.. genuine.Body, (byte)' '] },
            "target changed after signing" => genuine with { Target = Target + "?x=1" },
            "timestamp changed after signing" => genuine with { Timestamp = WebhookTimestamp.FormatUnixSeconds(now.AddSeconds(1)) },
            "signature not hex" => genuine with { Signature = new string('z', 64) },
            "signature truncated" => genuine with { Signature = genuine.Signature[..63] },
            "no timestamp header" => genuine with { Timestamp = string.Empty },
            "timestamp with a sign" => SignedRequest.Create(Target, timestamp: "+" + WebhookTimestamp.FormatUnixSeconds(now)),
            "timestamp stale by ten minutes" => SignedRequest.Create(Target, timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddMinutes(-10))),
            "timestamp a day in the future" => SignedRequest.Create(Target, timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddDays(1))),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        using var message = request.ToHttpRequest(_gateway.PublicPort);
        if (forgery == "no signature header")
        {
            message.Headers.Remove(AxitechSignature.SignatureHeaderName);
        }

        if (forgery == "no timestamp header")
        {
            message.Headers.Remove(AxitechSignature.TimestampHeaderName);
        }

        using var response = await _gateway.Client.SendAsync(message);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task ContentLengthOverTheLimit_Is413BeforeReading()
    {
        using var response = await _gateway.SendAsync(SignedRequest.Create(Target, new byte[65_537]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413()
    {
        using var response = await _gateway.SendAsync(SignedRequest.Create(Target, new byte[200_000]), chunked: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task BodyExactlyAtTheLimit_IsAccepted()
    {
        using var response = await _gateway.SendAsync(SignedRequest.Create(Target, new byte[65_536]), chunked: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_gateway.Upstream.Received);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task OtherMethodsThanPost_Are405(string method)
    {
        var delivery = SignedRequest.Create(Target, method: method);

        using var response = await _gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task ProblemBody_NeverEchoesTheSignatureOrPayload()
    {
        var forged = SignedRequest.Create(Target, secret: "wh_sec_attacker");

        using var response = await _gateway.SendAsync(forged);
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain(forged.Signature, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("contact@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestGateway.Secret, text, StringComparison.Ordinal);
    }
}
