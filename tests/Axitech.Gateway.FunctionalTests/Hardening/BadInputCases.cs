using System.Globalization;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The bad-input table. Every row is refused with the status given (the gateway's reason where the gateway answers;
/// the bare status where Kestrel refuses the bytes before the gateway sees a request), and none reaches the upstream.
/// Timestamp rows are signed with the real secret over the bad value, so that it is the strict parser and the
/// freshness window that refuse them, not the signature.
/// </summary>
public static class BadInputCases
{
    private const string T = HardenedGatewayFixture.Target;
    private const string Forged = "0000000000000000000000000000000000000000000000000000000000000000";

    public static IReadOnlyDictionary<string, BadInputCase> All { get; } = Build();

    private static Dictionary<string, BadInputCase> Build()
    {
        var cases = new Dictionary<string, BadInputCase>();
        void Add(string name, string expected, Func<HardenedGatewayFixture, Task<Observation>> send) => cases.Add(name, new BadInputCase(expected, send));
        void AddRaw(string name, string expected, Func<HardenedGatewayFixture, RawHttpRequest> build, bool halfClose = false)
            => Add(name, expected, async f => Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, build(f).ToBytes(), halfClose)));

        // Signature header.
        AddRaw("signature missing", "401 missing_signature", _ => R().WithoutHeader(Sig));
        AddRaw("signature empty", "401 missing_signature", _ => R().ReplaceHeader(Sig, Sig + ":"));
        AddRaw("signature duplicated, both genuine", "401 invalid_signature", _ => Duplicated(R(), Sig));
        AddRaw("signature duplicated, forged first", "401 invalid_signature", _ => { var r = R(); return r.ReplaceHeader(Sig, $"{Sig}: {Forged}", Line(r, Sig)); });
        AddRaw("signature oversized (40 KB)", "431", _ => R().ReplaceHeader(Sig, $"{Sig}: {new string('a', 40_000)}"));
        AddRaw("signature twice as long", "401 invalid_signature", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature}{s.Signature}"); });
        AddRaw("signature one character short", "401 invalid_signature", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature[..63]}"); });
        AddRaw("signature not hex", "401 invalid_signature", _ => R().ReplaceHeader(Sig, $"{Sig}: {new string('g', 64)}"));
        AddRaw("signature with non-ASCII characters", "401 invalid_signature", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature[..62]}é"); });
        AddRaw("signature with a sha256= prefix", "401 invalid_signature", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: sha256={s.Signature}"); });
        AddRaw("signature with an inner space", "401 invalid_signature", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature[..32]} {s.Signature[32..]}"); });
        AddRaw("signature with a NUL byte", "400", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature[..32]}\0{s.Signature[33..]}"); });

        // Timestamp header.
        AddRaw("timestamp missing", "401 missing_timestamp", _ => R().WithoutHeader(Ts));
        AddRaw("timestamp empty", "401 missing_timestamp", _ => R().ReplaceHeader(Ts, Ts + ":"));
        AddRaw("timestamp duplicated", "401 invalid_signature", _ => Duplicated(R(), Ts));
        AddRaw("timestamp oversized (40 KB)", "431", _ => R(Genuine(timestamp: new string('1', 40_000))));
        AddRaw("timestamp with a plus sign", "401 invalid_timestamp", _ => R(Genuine(timestamp: "+" + Now())));
        AddRaw("timestamp with a minus sign", "401 invalid_timestamp", _ => R(Genuine(timestamp: "-" + Now())));
        AddRaw("timestamp with an inner space", "401 invalid_timestamp", _ => R(Genuine(timestamp: Now()[..5] + " " + Now()[5..])));
        AddRaw("timestamp with a decimal fraction", "401 invalid_timestamp", _ => R(Genuine(timestamp: Now() + ".5")));
        AddRaw("timestamp with an exponent", "401 invalid_timestamp", _ => R(Genuine(timestamp: Now()[..4] + "e6")));
        AddRaw("timestamp overflowing 64 bits", "401 invalid_timestamp", _ => R(Genuine(timestamp: "99999999999999999999999")));
        AddRaw("timestamp with a leading zero", "401 invalid_timestamp", _ => R(Genuine(timestamp: "0" + Now())));
        AddRaw("timestamp in hex", "401 invalid_timestamp", _ => R(Genuine(timestamp: "0x" + long.Parse(Now(), CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture))));
        AddRaw("timestamp on a leap second", "401 invalid_timestamp", _ => R(Genuine(timestamp: DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T23:59:60Z")));
        AddRaw("timestamp ISO-8601 with a lower-case t", "401 invalid_timestamp", _ => R(Genuine(timestamp: WebhookTimestamp.FormatIso8601(DateTimeOffset.UtcNow).Replace('T', 't'))));
        AddRaw("timestamp in the year 9999", "401 future_timestamp", _ => R(Genuine(timestamp: "9999-12-31T23:59:59Z")));
        AddRaw("timestamp ten years ahead in milliseconds", "401 future_timestamp", _ => R(Genuine(timestamp: WebhookTimestamp.FormatUnixMilliseconds(DateTimeOffset.UtcNow.AddYears(10)))));
        AddRaw("timestamp stale by six minutes", "401 stale_timestamp", _ => R(Genuine(timestamp: WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow.AddMinutes(-6)))));
        AddRaw("timestamp with non-ASCII digits", "401 invalid_timestamp", _ => R(Genuine(timestamp: "١٧٦٤٤٠٠٠٠٠")));
        AddRaw("separator slide: a timestamp digit moved into the query", "401 stale_timestamp", _ =>
        {
            var ts = Now();
            var genuine = Genuine(target: T + "?n=1", timestamp: ts);
            return R(genuine with { Target = T + "?n=1" + ts[0], Timestamp = ts[1..] });
        });
        AddRaw("separator slide: a query digit moved into the timestamp", "401 future_timestamp", _ =>
        {
            var ts = Now();
            var genuine = Genuine(target: T + "?n=1", timestamp: ts);
            return R(genuine with { Target = T + "?n=", Timestamp = "1" + ts });
        });

        // Bodies.
        AddRaw("Content-Length over the limit", "413 body_too_large", _ => R().ReplaceHeader("Content-Length", "Content-Length: 100000") with { Body = [] });
        AddRaw("Expect: 100-continue over the limit", "413 body_too_large", _ => R().ReplaceHeader("Content-Length", "Content-Length: 100000").WithHeader("Expect: 100-continue") with { Body = [] });
        AddRaw("chunked body over the limit", "413 body_too_large", _ => R(Genuine(body: new byte[HardenedGatewayFixture.MaxBodyBytes + 10])).Chunked(8192));
        AddRaw("Content-Length longer than the body, then FIN", "no response", _ => { var s = Genuine(); return R(s).ReplaceHeader("Content-Length", $"Content-Length: {s.Body.Length + 100}"); }, halfClose: true);
        AddRaw("chunked body cut mid-chunk, then FIN", "no response", _ => { var r = R().Chunked(100); return r with { Body = r.Body[..(r.Body.Length - 30)] }; }, halfClose: true);
        AddRaw("chunked body without its last chunk, then FIN", "no response", _ => R().Chunked(100, terminate: false), halfClose: true);
        AddRaw("chunk size not hex", "400 invalid_body", _ => R().Chunked() with { Body = "zz\r\nabc\r\n0\r\n\r\n"u8.ToArray() });
        AddRaw("chunk size overflowing", "400", _ => R().Chunked() with { Body = "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n"u8.ToArray() });
        AddRaw("body changed after signing", "401 invalid_signature", _ => { var s = Genuine(); return R(s with { Body = [.. s.Body[..^1], (byte)'!'] }); });
        AddRaw("invalid UTF-8 body, forged", "401 invalid_signature", _ => R(Genuine(body: [0xc3, 0x28, 0xff, 0xfe]) with { Signature = Forged }));
        Add("body trickled below the minimum data rate", "408 invalid_body", async f =>
        {
            var request = R();
            var bytes = request.ToBytes();
            var head = request.Head().Length;
            return Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, [bytes[..(head + 10)], bytes[(head + 10)..]], pause: TimeSpan.FromSeconds(4)));
        });
        Add("header block trickled beyond the headers timeout", "408", async f =>
        {
            var bytes = R().ToBytes();
            return Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, [bytes[..40], bytes[40..]], pause: TimeSpan.FromSeconds(4)));
        });

        // Methods.
        AddRaw("GET with a signed body", "405 method_not_allowed", _ => R(Genuine(method: "GET")));
        AddRaw("PUT", "405 method_not_allowed", _ => R(Genuine(method: "PUT")));
        AddRaw("DELETE", "405 method_not_allowed", _ => R(Genuine(method: "DELETE")));
        AddRaw("OPTIONS", "405 method_not_allowed", _ => R(Genuine(method: "OPTIONS")));
        AddRaw("unknown method", "405 method_not_allowed", _ => R(Genuine(method: "FROB")));
        AddRaw("lower-case post, signed (the scheme upper-cases the method)", "405 method_not_allowed", _ => R(Genuine(method: "post")));
        AddRaw("mixed-case Post, signed", "405 method_not_allowed", _ => R(Genuine(method: "Post")));
        Add("HEAD", "405", async f => Observation.Of(await RawHttpClient.SendAsync(f.Gateway.PublicPort, [R(Genuine(method: "HEAD")).ToBytes()], headRequest: true)));

        // Targets: dot segments and encoded separators aimed at the other route, signed with this route's secret.
        AddRaw("dot-dot toward the other route", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/../other/x")));
        AddRaw("encoded dot-dot toward the other route", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/%2e%2e/other/x")));
        AddRaw("encoded slash toward the other route", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/..%2f..%2fother/x")));
        AddRaw("encoded backslash toward the other route", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/..%5c..%5cother/x")));
        AddRaw("backslash toward the other route", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/..\\..\\other\\x")));
        AddRaw("single-dot segment", "400 invalid_target", _ => R(Genuine(target: TestGateway.ClaimsPath + "/./events")));
        AddRaw("absolute-form target", "400", f => R(Genuine(target: $"http://127.0.0.1:{f.Gateway.PublicPort}{T}")));
        AddRaw("double slash", "404", _ => R(Genuine(target: "/webhooks//claims/events")));
        AddRaw("raw non-ASCII bytes in the target", "400", _ => R(Genuine(target: TestGateway.ClaimsPath + "/café")));
        AddRaw("body that starts with digits after a Unix timestamp (they would continue it)", "401 ambiguous_timestamp", _ => R(Genuine(body: "12345{\"a\":1}"u8.ToArray())));
        AddRaw("fragment in the target", "400 invalid_target", _ => R(Genuine(target: T + "#x")));
        AddRaw("request line over the limit", "414", _ => R(Genuine(target: T + "?q=" + new string('a', 9000))));

        // Framing and header smuggling. The smuggled request inside the body is unsigned; it must not be served either.
        var smuggled = "0\r\n\r\nPOST /webhooks/other/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"u8.ToArray();
        AddRaw("Content-Length with Transfer-Encoding (CL.TE)", "401 invalid_signature", _ => R(Genuine(body: smuggled)).WithHeader("Transfer-Encoding: chunked"));
        AddRaw("Transfer-Encoding before Content-Length (TE.CL)", "401 invalid_signature", _ =>
        {
            var r = R(Genuine(body: smuggled));
            return r.WithoutHeader("Content-Length").WithHeader("Transfer-Encoding: chunked").WithHeader($"Content-Length: {smuggled.Length}");
        });
        AddRaw("two different Content-Lengths", "400", _ => { var s = Genuine(); return R(s).WithHeader($"Content-Length: {s.Body.Length - 5}"); });
        AddRaw("two equal Content-Lengths", "400", _ => Duplicated(R(), "Content-Length"));
        AddRaw("Content-Length as a list", "400", _ => { var s = Genuine(); return R(s).ReplaceHeader("Content-Length", $"Content-Length: {s.Body.Length}, {s.Body.Length}"); });
        AddRaw("Transfer-Encoding gzip", "400", _ => R().WithoutHeader("Content-Length").WithHeader("Transfer-Encoding: gzip"));
        AddRaw("Transfer-Encoding obfuscated (xchunked)", "400", _ => R().Chunked() is var r ? r.ReplaceHeader("Transfer-Encoding", "Transfer-Encoding: xchunked") : r);
        AddRaw("obs-fold continuation line", "400", _ => { var s = Genuine(); return R(s).ReplaceHeader(Sig, $"{Sig}: {s.Signature[..32]}", $" {s.Signature[32..]}"); });
        AddRaw("space before the colon", "400", _ => { var s = Genuine(); return R(s).ReplaceHeader("Content-Length", $"Content-Length : {s.Body.Length}"); });
        AddRaw("bare LF line endings", "400", _ => R() with { LineEnding = "\n" });
        AddRaw("missing Host", "400", _ => R().WithoutHeader("Host"));
        AddRaw("two Host headers", "400", _ => R().WithHeader("Host: evil.example"));
        AddRaw("more headers than the default limit of 64", "431", _ => Enumerable.Range(0, 60).Aggregate(R(), (r, i) => r.WithHeader($"X-Filler-{i}: x")));
        AddRaw("header block over the total limit", "431", _ => Enumerable.Range(0, 10).Aggregate(R(), (r, i) => r.WithHeader($"X-Filler-{i}: {new string('x', 4000)}")));
        AddRaw("X-Axitech-Duplicate sent with a forged signature", "401 invalid_signature", _ => R(Genuine() with { Signature = Forged }).WithHeader("X-Axitech-Duplicate: true"));
        Add("HTTP/2 preface on the cleartext HTTP/1.1 Public port", "goaway 13", async f => Observation.Of(await RawHttp2Client.SendAsync(f.Gateway.PublicPort, [])));

        // HTTP/2 (h2c endpoint): the same refusals, and frames that break the protocol's own rules.
        Add("h2: forged signature", "401 invalid_signature", f => H2Async(f, Genuine() with { Signature = Forged }));
        Add("h2: signature missing", "401 missing_signature", f => H2Async(f, Genuine(), m => m.Headers.Remove(AxitechSignature.SignatureHeaderName)));
        Add("h2: stale timestamp", "401 stale_timestamp", f => H2Async(f, Genuine(timestamp: WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow.AddHours(-1)))));
        Add("h2: body over the limit without content-length", "413 body_too_large", f => H2Async(f, Genuine(body: new byte[HardenedGatewayFixture.MaxBodyBytes + 10]), chunked: true));
        Add("h2: GET", "405 method_not_allowed", f => H2Async(f, Genuine(method: "GET")));
        Add("h2: dot-dot in :path toward the other route", "400 invalid_target", f => H2Async(f, Genuine(target: TestGateway.ClaimsPath + "/../other/x")));
        // Heads HTTP/1.1 cannot carry to the upstream as they are (issue 22): signed, so that the rule refuses them.
        Add("h2 frames: space in :path", "400 invalid_target", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s), signed: Genuine(target: T + "/a b")));
        Add("h2 frames: tab in :path", "400 invalid_target", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s), signed: Genuine(target: T + "?x=a\tb")));
        Add("h2 frames: \\x01 in a header value", "400 invalid_header", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields, ("x-note", "a\u0001b")])));
        Add("h2 frames: \\x7f in a header value", "400 invalid_header", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields, ("x-note", "a\u007fb")])));
        Add("h2 frames: DATA longer than content-length", "rst 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, data: [.. s.Body, .. "extra"u8.ToArray()])));
        Add("h2 frames: DATA shorter than content-length", "rst 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, data: s.Body[..^5])));
        Add("h2 frames: upper-case header name", "goaway 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields, ("X-Upper", "1")])));
        Add("h2 frames: connection header", "goaway 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields, ("connection", "keep-alive")])));
        Add("h2 frames: two :path pseudo-headers", "goaway 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields.Take(4), (":path", "/webhooks/other/x"), .. fields.Skip(4)])));
        Add("h2 frames: pseudo-header after a regular header", "goaway 1", f => H2FramesAsync(f, s => RawHttp2Client.Request(f.H2cPort, s, fields => [.. fields.Where(x => x.Name != ":path"), (":path", s.Target)])));
        Add("h2 frames: stream abandoned mid-body", "no response", f => H2FramesAsync(
            f,
            s => [RawHttp2Client.Request(f.H2cPort, s, data: s.Body[..10], endStream: false)[0], RawHttp2Client.Request(f.H2cPort, s, data: s.Body[..10], endStream: false)[1], RawHttp2Client.RstStreamFrame(1, 0x8)],
            TimeSpan.FromSeconds(1)));
        Add("h2 frames: DATA on stream 0", "goaway 1", f => H2FramesAsync(f, _ => [RawHttp2Client.DataFrame(0, [1, 2, 3], endStream: true)]));

        return cases;
    }

    private const string Sig = AxitechSignature.SignatureHeaderName;
    private const string Ts = AxitechSignature.TimestampHeaderName;

    private static string Now() => WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);

    private static SignedRequest Genuine(string target = T, byte[]? body = null, string method = "POST", string? timestamp = null)
        => SignedRequest.Create(target, body, method: method, timestamp: timestamp);

    private static RawHttpRequest R(SignedRequest? signed = null) => RawHttpRequest.From(signed ?? Genuine());

    private static string Line(RawHttpRequest request, string name) => request.HeaderLines.First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));

    private static RawHttpRequest Duplicated(RawHttpRequest request, string name) => request.ReplaceHeader(name, Line(request, name), Line(request, name));

    private static async Task<Observation> H2Async(HardenedGatewayFixture fixture, SignedRequest signed, Action<HttpRequestMessage>? edit = null, bool chunked = false)
    {
        using var request = signed.ToHttpRequest(fixture.H2cPort, chunked);
        request.Version = System.Net.HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        if (chunked)
        {
            // HTTP/2 has no chunked coding: a body of unknown length is simply DATA frames without content-length.
            request.Headers.TransferEncodingChunked = null;
        }

        edit?.Invoke(request);
        using var response = await fixture.H2c.SendAsync(request);
        return await Observation.OfAsync(response);
    }

    private static async Task<Observation> H2FramesAsync(HardenedGatewayFixture fixture, Func<SignedRequest, IReadOnlyList<byte[]>> frames, TimeSpan? timeout = null, SignedRequest? signed = null)
        => Observation.Of(await RawHttp2Client.SendAsync(fixture.H2cPort, frames(signed ?? Genuine()), timeout: timeout));
}
