using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Axitech.Gateway.FunctionalTests.Verification;

public sealed class ForwardingTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData(TestGateway.ClaimsPath + "/events")]
    [InlineData(TestGateway.ClaimsPath + "/events?tenant=7&x=%20y")]
    [InlineData(TestGateway.ClaimsPath + "/caf%C3%A9?q=%E2%9C%93")]
    [InlineData(TestGateway.ClaimsPath + "/a%20b/c+d?x=%2f&y=%41")]
    [InlineData(TestGateway.ClaimsPath + "/events?")]
    [InlineData(TestGateway.ClaimsPath + "/events?b=2&a=1&a=1")]
    public async Task AuthenticDelivery_ArrivesByteIdenticalWithItsRawTarget(string target)
    {
        var delivery = SignedRequest.Create(target);

        using var response = await _gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        var received = Assert.Single(_gateway.Upstream.Received);
        Assert.Equal("POST", received.Method);
        Assert.Equal(target, received.RawTarget);
        Assert.Equal(delivery.Body, received.Body);
        Assert.Equal("application/json", received.Header("Content-Type"));
        Assert.Equal(delivery.Signature, received.Header(AxitechSignature.SignatureHeaderName));
        Assert.Equal(delivery.Timestamp, received.Header(AxitechSignature.TimestampHeaderName));

        // The upstream can re-verify exactly what the sender signed.
        Assert.Equal(delivery.Signature, AxitechSignature.Sign(TestGateway.Secret, received.Method, received.RawTarget, received.Header(AxitechSignature.TimestampHeaderName)!, received.Body));
    }

    [Fact]
    public async Task ChunkedBody_IsVerifiedAndForwardedByteIdentical()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/chunked", Encoding.UTF8.GetBytes(new string('x', 100_000) + "é"));

        using var response = await _gateway.SendAsync(delivery, chunked: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(delivery.Body, Assert.Single(_gateway.Upstream.Received).Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task VerifiedBody_IsSentWhole_WithItsLength_HoweverItArrived(bool chunked)
    {
        // The gateway sends the body it verified from its buffer, not YARP's streaming copy of the incoming one: the
        // upstream gets a Content-Length even for a chunked delivery, and the content headers YARP copied are kept.
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/framing", Encoding.UTF8.GetBytes(new string('y', 40_000)));

        using var response = await _gateway.SendAsync(delivery, chunked);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_gateway.Upstream.Received);
        Assert.Equal(delivery.Body, received.Body);
        Assert.Equal(delivery.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), received.Header("Content-Length"));
        Assert.Null(received.Header("Transfer-Encoding"));
        Assert.Equal("application/json", received.Header("Content-Type"));
    }

    [Fact]
    public async Task Http2Upstream_ReceivesEveryVerifiedBodyWhole_SmallAndLargeAtOnce()
    {
        // Over HTTP/2 many bodies share one connection, sent as frames while other streams are under way: each verified
        // buffer must reach the upstream whole and unmixed, small ones and ones larger than a flow-control window.
        await using var upstream = await RecordingUpstream.StartAsync(protocols: HttpProtocols.Http2);
        var protocols = new ConcurrentBag<string>();
        upstream.Respond = (context, request) =>
        {
            protocols.Add(context.Request.Protocol);
            return RecordingUpstream.DefaultRespond(context, request);
        };
        await using var gateway = await TestGateway.StartAsync(
            c =>
            {
                c["ReverseProxy:Clusters:upstream:HttpRequest:Version"] = "2";
                c["ReverseProxy:Clusters:upstream:HttpRequest:VersionPolicy"] = "RequestVersionExact";
            },
            upstream);
        var deliveries = Enumerable.Range(0, 24).Select(i =>
        {
            var body = new byte[i % 2 == 0 ? 300_000 + i : 900 + i];
            new Random(i).NextBytes(body);
            return SignedRequest.Create(TestGateway.ClaimsPath + "/h2/" + i, body);
        }).ToList();

        var responses = await Task.WhenAll(deliveries.Select(d => gateway.SendAsync(d, chunked: d.Body.Length > 100_000)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(deliveries.Count, protocols.Count);
        Assert.All(protocols, p => Assert.Equal("HTTP/2", p));
        Assert.Equal(
            deliveries.Select(d => Convert.ToHexString(d.Body)).Order(),
            upstream.Received.Select(r => Convert.ToHexString(r.Body)).Order());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task HalfMegabyteBody_IsForwardedByteIdentical()
    {
        var body = new byte[512 * 1024];
        new Random(42).NextBytes(body);
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/big", body);

        using var response = await _gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(_gateway.Upstream.Received).Body);
    }

    [Fact]
    public async Task EmptyBody_IsSignedOverMethodTargetAndTimestampOnly()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/empty", []);

        using var response = await _gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Assert.Single(_gateway.Upstream.Received).Body);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("ms")]
    [InlineData("iso")]
    [InlineData("iso-no-offset")]
    public async Task EveryTimestampForm_IsAccepted(string form)
    {
        var now = DateTimeOffset.UtcNow;
        var timestamp = form switch
        {
            "ms" => WebhookTimestamp.FormatUnixMilliseconds(now),
            "iso" => WebhookTimestamp.FormatIso8601(now),
            "iso-no-offset" => WebhookTimestamp.FormatIso8601(now).TrimEnd('Z'),
            _ => WebhookTimestamp.FormatUnixSeconds(now),
        };

        using var response = await _gateway.SendAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/t", timestamp: timestamp));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_gateway.Upstream.Received);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(202)]
    [InlineData(204)]
    [InlineData(400)]
    [InlineData(409)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task UpstreamStatus_ComesBackAsItIs(int status)
    {
        _gateway.Upstream.Respond = (context, _) =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        };

        using var response = await _gateway.SendNewAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Single(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task RouteForAnotherPolicy_VerifiesWithThatPolicysSecret()
    {
        using var wrongSecret = await _gateway.SendAsync(SignedRequest.Create(TestGateway.OtherPath + "/x"));
        using var rightSecret = await _gateway.SendAsync(SignedRequest.Create(TestGateway.OtherPath + "/x", secret: TestGateway.OtherSecret));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rightSecret.StatusCode);
        Assert.Single(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task NoMatchingRoute_Is404AndNothingIsForwarded()
    {
        using var response = await _gateway.SendAsync(SignedRequest.Create("/webhooks/unknown"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_gateway.Upstream.Received);
    }
}
