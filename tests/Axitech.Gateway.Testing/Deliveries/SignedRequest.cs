using System.Net.Http.Headers;
using System.Text;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Webhooks;

namespace Axitech.Gateway.Testing.Deliveries;

/// <summary>A delivery signed the way the vendor signs it.</summary>
public sealed record SignedRequest(string Method, string Target, byte[] Body, string Timestamp, string Signature)
{
    public static readonly byte[] SampleBody = Encoding.UTF8.GetBytes(
        """{"created_at":"2023-01-01T12:00:00Z","api_version":"v1","group_type":"WidgetEvent","event_type":"session.submitted","data":{"sessionId":"52nmBydtBQpGYjXGWXu3","meta":{"contact":{"email":"contact@example.com"}}}}""");

    public static SignedRequest Create(
        string target,
        byte[]? body = null,
        string secret = TestGateway.Secret,
        string method = "POST",
        string? timestamp = null,
        string? signedTarget = null)
    {
        body ??= UniqueBody();
        timestamp ??= WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow());
        var signature = AxitechSignature.Sign(secret, method, signedTarget ?? target, timestamp, body);
        return new SignedRequest(method, target, body, timestamp, signature);
    }

    /// <summary>A sample body that differs on every call, so that two calls are two deliveries.</summary>
    public static byte[] UniqueBody()
        => Encoding.UTF8.GetBytes(
            "{\"created_at\":\"2023-01-01T12:00:00Z\",\"api_version\":\"v1\",\"group_type\":\"WidgetEvent\",\"event_type\":\"session.submitted\",\"data\":{\"sessionId\":\""
            + Guid.NewGuid().ToString("N")
            + "\",\"meta\":{\"contact\":{\"email\":\"contact@example.com\"}}}}");

    /// <summary>The request as HttpClient sends it, with the target kept exactly (no canonicalisation).</summary>
    public HttpRequestMessage ToHttpRequest(int port, bool chunked = false)
    {
        var uri = new Uri($"http://127.0.0.1:{port}{Target}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var request = new HttpRequestMessage(new HttpMethod(Method), uri);
        request.Headers.TryAddWithoutValidation(AxitechSignature.SignatureHeaderName, Signature);
        request.Headers.TryAddWithoutValidation(AxitechSignature.TimestampHeaderName, Timestamp);
        HttpContent content = chunked ? new StreamContent(new NonSeekableStream(Body)) : new ByteArrayContent(Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content = content;
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        return request;
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
