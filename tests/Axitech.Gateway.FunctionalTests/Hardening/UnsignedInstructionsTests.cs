using System.Text;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// What a sender could add to a genuinely signed request to make the upstream do what nobody signed (issue 18): switch
/// protocols, override the method or the target, or smuggle a length; and the answer a slow body gets.
/// </summary>
public sealed class UnsignedInstructionsTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await TestGateway.StartAsync(c =>
    {
        c["Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond"] = "1024";
        c["Kestrel:Limits:MinRequestBodyDataRate:GracePeriod"] = "00:00:02";
    });

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")]
    [InlineData("Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n")]
    [InlineData("Upgrade: websocket\r\n")]
    public async Task ASignedPostAskingToUpgrade_IsRefused_AndNothingReachesTheUpstream(string upgradeHeaders)
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/upgrade", body: []);
        var head = Encoding.ASCII.GetBytes(
            $"POST {delivery.Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {delivery.Signature}\r\nx-aw-timestamp: {delivery.Timestamp}\r\nContent-Length: 0\r\n{upgradeHeaders}\r\n");

        // What a tunnel would carry: another request, unsigned, right behind the signed one.
        var smuggled = "DELETE /internal/admin/0 HTTP/1.1\r\nHost: upstream\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        var response = await RawHttpClient.SendAsync(_gateway.PublicPort, [head, smuggled], pause: TimeSpan.FromMilliseconds(100));

        Assert.Equal(400, response.StatusCode);
        Assert.Equal("upgrade_not_allowed", response.Reason);
        await Task.Delay(200);
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task HeadersThatOverrideMethodOrTarget_AreNotForwarded_AndTheMethodForwardedIsTheSignedOne()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/overrides");
        using var request = delivery.ToHttpRequest(_gateway.PublicPort);
        foreach (var header in new[] { "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override" })
        {
            request.Headers.TryAddWithoutValidation(header, "DELETE");
        }

        request.Headers.TryAddWithoutValidation("X-Original-URL", "/internal/admin");
        request.Headers.TryAddWithoutValidation("X-Rewrite-URL", "/internal/admin");
        request.Headers.TryAddWithoutValidation("X-Axitech-Delivery-Id", "forged");
        request.Headers.TryAddWithoutValidation("X-Axitech-Delivery-Attempt", "1");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gateway.Upstream.Received);
        Assert.Equal("POST", received.Method);
        foreach (var header in new[] { "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X-Original-URL", "X-Rewrite-URL", "X-Axitech-Delivery-Id", "X-Axitech-Delivery-Attempt" })
        {
            Assert.Null(received.Header(header));
        }
    }

    [Fact]
    public async Task HeadersSpelledWithUnderscores_AreNotForwarded()
    {
        // CGI, WSGI, Rack and PHP read X_HTTP_Method_Override as the X-HTTP-Method-Override the gateway strips (issue 22).
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/underscores");
        using var request = delivery.ToHttpRequest(_gateway.PublicPort);
        request.Headers.TryAddWithoutValidation("X_HTTP_Method_Override", "DELETE");
        request.Headers.TryAddWithoutValidation("X_Original_URL", "/internal/admin");
        request.Headers.TryAddWithoutValidation("X_Axitech_Delivery_Id", "forged");
        request.Headers.TryAddWithoutValidation("X_Forwarded_For", "10.0.0.1");
        request.Headers.TryAddWithoutValidation("X-Kept-Header", "kept");

        using var response = await _gateway.Client.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gateway.Upstream.Received);
        Assert.DoesNotContain(received.Headers.Keys, name => name.Contains('_', StringComparison.Ordinal));
        Assert.Equal("kept", received.Header("X-Kept-Header"));
    }

    [Fact]
    public async Task AContentLengthBesideChunkedFraming_DoesNotReachTheUpstream_AsXContentLength()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/framing");
        var chunked = Encoding.ASCII.GetBytes($"{delivery.Body.Length:x}\r\n").Concat(delivery.Body).Concat("\r\n0\r\n\r\n"u8.ToArray()).ToArray();
        var head = Encoding.ASCII.GetBytes(
            $"POST {delivery.Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {delivery.Signature}\r\nx-aw-timestamp: {delivery.Timestamp}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n");

        var response = await RawHttpClient.SendAsync(_gateway.PublicPort, [.. head, .. chunked]);

        // Kestrel refuses the framing outright, or reads it as chunked; either way the upstream never sees the length.
        Assert.True(response.StatusCode is 200 or 400, $"answered {response.StatusCode}");
        Assert.All(_gateway.Upstream.Received, r => Assert.Null(r.Header("X-Content-Length")));
    }

    [Fact]
    public async Task ABodyRefusedByTheDataRateLimit_IsAnswered408_WithAProblemThatSays408()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/slow");
        var head = Encoding.ASCII.GetBytes(
            $"POST {delivery.Target} HTTP/1.1\r\nHost: gateway\r\nx-aw-signature: {delivery.Signature}\r\nx-aw-timestamp: {delivery.Timestamp}\r\nContent-Length: 100000\r\n\r\n");

        var response = await RawHttpClient.SendAsync(_gateway.PublicPort, [head, "{\"a\":"u8.ToArray()], timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(408, response.StatusCode);
        Assert.Contains("\"status\":408", Encoding.UTF8.GetString(response.Body), StringComparison.Ordinal);
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("GET")]
    [InlineData("OPTIONS")]
    public async Task ManagementPaths_Are404OnPublic_WhateverTheMethodCaseOrTrailingSlash(string method)
    {
        // Routing matches a path in any case and with a trailing slash; those spellings answered 405 (issue 22).
        foreach (var path in new[] { "/healthz", "/readyz", "/metrics", "/healthz/", "/readyz/", "/metrics/", "/HEALTHZ", "/HEALTHZ/", "/ReadyZ/", "/Metrics", "/healthz//" })
        {
            using var response = await _gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}.");
        }
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("GET")]
    [InlineData("OPTIONS")]
    public async Task WebhookRoutes_Are404OnManagement_WhateverTheMethod(string method)
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/on-management", method: method);
        using var request = delivery.ToHttpRequest(_gateway.ManagementPort);

        using var response = await _gateway.Management.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_gateway.Upstream.Received);
    }
}
