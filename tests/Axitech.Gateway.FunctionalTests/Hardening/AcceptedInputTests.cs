using System.Net;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The positive controls of the bad-input table: odd but genuinely signed deliveries are accepted and reach the
/// upstream byte-identical, with canonical framing whatever leniency Kestrel applied to the way they were framed.
/// </summary>
public sealed class AcceptedInputTests : IClassFixture<HardenedGatewayFixture>
{
    private const string T = HardenedGatewayFixture.Target;
    private readonly HardenedGatewayFixture _fixture;

    public AcceptedInputTests(HardenedGatewayFixture fixture) => _fixture = fixture;

    private delegate Task<Observation> Sender(HardenedGatewayFixture fixture, SignedRequest delivery);

    public static TheoryData<string> Cases() => new(_cases.Keys);

    private static readonly Dictionary<string, (Func<SignedRequest> Create, Sender Send)> _cases = new()
    {
        ["invalid UTF-8 body"] = (() => SignedRequest.Create(T, [0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Raw(r => r)),
        ["binary body with every byte value"] = (() => SignedRequest.Create(T, [.. Enumerable.Range(0, 1024).Select(i => (byte)i)]), Raw(r => r)),
        ["body that starts with digits, after a timestamp they cannot continue"] = (() => SignedRequest.Create(T, "12345{\"a\":1}"u8.ToArray(), timestamp: Axitech.Webhooks.WebhookTimestamp.FormatIso8601(DateTimeOffset.UtcNow)), Raw(r => r)),
        ["empty body"] = (() => SignedRequest.Create(T, []), Raw(r => r)),
        ["body exactly at the limit, chunked"] = (() => SignedRequest.Create(T, new byte[HardenedGatewayFixture.MaxBodyBytes]), Raw(r => r.Chunked(4096))),
        ["upper-case hex signature"] = (() => SignedRequest.Create(T) is var s ? s with { Signature = s.Signature.ToUpperInvariant() } : null!, Raw(r => r)),
        ["header values padded with spaces and tabs"] = (() => SignedRequest.Create(T), Raw(r => r.ReplaceHeader(AxitechSignature.SignatureHeaderName, Line(r, AxitechSignature.SignatureHeaderName).Replace(": ", ": \t ", StringComparison.Ordinal) + " \t"))),
        ["one-byte chunks with chunk extensions"] = (() => SignedRequest.Create(T, "{\"x\":1}"u8.ToArray()), Raw(r => r.Chunked() with { Body = "1;a=b\r\n{\r\n6;ext\r\n\"x\":1}\r\n0\r\n\r\n"u8.ToArray() })),
        ["sent a few bytes at a time"] = (() => SignedRequest.Create(T), async (f, d) => Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, [.. RawHttpRequest.From(d).ToBytes().Chunk(97)], pause: TimeSpan.FromMilliseconds(2)))),
        ["Content-Length with a plus sign (Kestrel reads it; the upstream gets it canonical)"] = (() => SignedRequest.Create(T), Raw(r => r.ReplaceHeader("Content-Length", $"Content-Length: +{r.Body.Length}"))),
        ["Transfer-Encoding chunked, chunked (decoded once, as Kestrel does)"] = (() => SignedRequest.Create(T), Raw(r => r.Chunked() is var c ? c.ReplaceHeader("Transfer-Encoding", "Transfer-Encoding: chunked, chunked") : c)),
        ["chunked HTTP/1.0 request"] = (() => SignedRequest.Create(T), Raw(r => r.Chunked() with { Version = "HTTP/1.0" })),
        ["forwarding headers spoofed by the sender"] = (() => SignedRequest.Create(T), Raw(r => r.WithHeader("X-Forwarded-For: 6.6.6.6").WithHeader("X-Forwarded-Host: evil.example").WithHeader("X-Forwarded-Proto: https").WithHeader("X-Forwarded-Prefix: /evil"))),
        ["h2c with content-length"] = (() => SignedRequest.Create(T), (f, d) => H2Async(f, d, chunked: false)),
        ["h2c without content-length"] = (() => SignedRequest.Create(T), (f, d) => H2Async(f, d, chunked: true)),
        ["h2 frames with a stray transfer-encoding field"] = (() => SignedRequest.Create(T), async (f, d) => Observation.Of(await RawHttp2Client.SendAsync(f.H2cPort, RawHttp2Client.Request(f.H2cPort, d, fields => [.. fields, ("transfer-encoding", "chunked")])))),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task GenuinelySignedOddInput_IsAcceptedAndForwardedByteIdenticalWithCanonicalFraming(string kind)
    {
        var (create, send) = _cases[kind];
        var delivery = create();
        _fixture.Gateway.Upstream.Clear();

        var observed = await send(_fixture, delivery);

        Assert.True(observed.Summary == "200", $"{kind}: saw {observed.Summary} ({observed.Detail}).");
        var received = Assert.Single(_fixture.Gateway.Upstream.Received);
        Assert.Equal("POST", received.Method);
        Assert.Equal(delivery.Target, received.RawTarget);
        Assert.Equal(delivery.Body, received.Body);
        AssertCanonicalFraming(received);
        Assert.Equal("127.0.0.1", received.Header("X-Forwarded-For"));
        Assert.Equal("http", received.Header("X-Forwarded-Proto"));
        Assert.StartsWith("127.0.0.1", received.Header("X-Forwarded-Host"), StringComparison.Ordinal);
        Assert.Null(received.Header("X-Forwarded-Prefix"));
    }

    [Fact]
    public async Task ASmuggledRequestAfterAGenuineChunkedBody_IsNeverServed_AndTheConnectionIsClosed()
    {
        // CL.TE with a genuine signature over the chunked reading: Kestrel takes Transfer-Encoding, the delivery is
        // verified and forwarded as what was verified, and the bytes a Content-Length reader would have taken as the
        // body's tail (a forged request to the other route) are never read as a request: Kestrel closes the
        // connection after a message that carried both headers.
        var delivery = SignedRequest.Create(T);
        var forged = RawHttpRequest.From(SignedRequest.Create(TestGateway.OtherPath + "/x", secret: "wh_sec_attacker")).ToBytes();
        byte[] wire = [.. RawHttpRequest.ChunkedBody(delivery.Body, 64), .. forged];
        var request = RawHttpRequest.From(delivery).ReplaceHeader("Content-Length", $"Content-Length: {wire.Length}").WithHeader("Transfer-Encoding: chunked") with { Body = wire };
        _fixture.Gateway.Upstream.Clear();

        var response = await RawHttpClient.SendAsync(_fixture.Gateway.PublicPort, request.ToBytes());

        Assert.True(response.StatusCode == 200, response.ToString());
        Assert.True(response.ConnectionClosed, "The connection stayed open after a message with both Content-Length and Transfer-Encoding.");
        Assert.Empty(response.Trailing);
        var received = Assert.Single(_fixture.Gateway.Upstream.Received);
        Assert.Equal(delivery.Body, received.Body);
        AssertCanonicalFraming(received);
    }

    [Fact]
    public async Task LowerCaseMethodOnARouteWithExplicitMethods_Is405ListingThem_WhileTheSignedUpperCaseFormIsAccepted()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["ReverseProxy:Routes:put:ClusterId"] = "upstream";
            c["ReverseProxy:Routes:put:Match:Path"] = "/webhooks/put/{**rest}";
            c["ReverseProxy:Routes:put:Match:Methods:0"] = "PUT";
            c["ReverseProxy:Routes:put:Metadata:WebhookPolicy"] = "axitech";
        });

        var lower = await RawHttpClient.SendAsync(gateway.PublicPort, RawHttpRequest.From(SignedRequest.Create("/webhooks/put/x", method: "put")).ToBytes());
        var upper = await RawHttpClient.SendAsync(gateway.PublicPort, RawHttpRequest.From(SignedRequest.Create("/webhooks/put/x", method: "PUT")).ToBytes());

        Assert.True(lower.StatusCode == 405 && lower.Reason == "method_not_allowed", lower.ToString());
        Assert.Equal("PUT", lower.Header("Allow"));
        Assert.True(upper.StatusCode == 200, upper.ToString());
        Assert.Equal("PUT", Assert.Single(gateway.Upstream.Received).Method);
    }

    /// <summary>Exactly one framing, and one the upstream cannot read two ways: a Content-Length equal to the body, or chunked alone.</summary>
    private static void AssertCanonicalFraming(ReceivedRequest received)
    {
        var contentLength = received.Header("Content-Length");
        var transferEncoding = received.Header("Transfer-Encoding");
        Assert.True(
            (contentLength == received.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) && transferEncoding is null)
            || (contentLength is null && transferEncoding == "chunked")
            || (contentLength is null && transferEncoding is null && received.Body.Length == 0),
            $"Content-Length: {contentLength ?? "-"}, Transfer-Encoding: {transferEncoding ?? "-"}, body {received.Body.Length} bytes.");
    }

    private static string Line(RawHttpRequest request, string name) => request.HeaderLines.First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static Sender Raw(Func<RawHttpRequest, RawHttpRequest> edit)
        => async (f, d) => Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, edit(RawHttpRequest.From(d)).ToBytes()));

    private static async Task<Observation> H2Async(HardenedGatewayFixture fixture, SignedRequest delivery, bool chunked)
    {
        using var request = delivery.ToHttpRequest(fixture.H2cPort, chunked);
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        request.Headers.TransferEncodingChunked = null;
        using var response = await fixture.H2c.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        return await Observation.OfAsync(response);
    }
}
