using System.Net;
using System.Text;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Pipeline;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Axitech.Gateway.Tests.Pipeline;

/// <summary>A request on a webhook route as the stages see it, without a server: a DefaultHttpContext with YARP's route feature.</summary>
internal static class StageTestContext
{
    public const string Secret = "wh_sec_stage_tests";
    public const string Target = "/webhooks/claims/events?x=1";

    /// <summary>A reader whose budget no test here reaches; the budget's and the deadline's tests make their own.</summary>
    private static readonly BodyReader _reader = new(
        new UnverifiedBodyBudget(new LimitsOptions { UnverifiedBytesPerClient = long.MaxValue / 2, UnverifiedBytes = long.MaxValue / 2 }),
        TimeProvider.System,
        new LimitsOptions());

    public static WebhookPolicy Policy(long maxBodyBytes = 1024 * 1024, IReadOnlyList<string>? contentKey = null)
        => new()
        {
            Name = "axitech",
            Secrets = [new WebhookSecret(Secret)],
            SecretConfigurationKeys = ["0"],
            Tolerance = TimeSpan.FromMinutes(5),
            MaxBodyBytes = maxBodyBytes,
            SignatureHeader = AxitechSignature.SignatureHeaderName,
            TimestampHeader = AxitechSignature.TimestampHeaderName,
            SignedPathPrefix = string.Empty,
            Deduplication = new DeduplicationOptions { Key = contentKey ?? [] },
            ContentKeyPaths = [.. (contentKey ?? []).Select(p => p.Split('.'))],
        };

    /// <summary>A signed request (by default), its body given as a stream that yields <paramref name="chunk"/> bytes at a time.</summary>
    public static WebhookRequest Create(
        byte[] body,
        DateTimeOffset now,
        WebhookPolicy? policy = null,
        string method = "POST",
        string target = Target,
        string? signature = null,
        string? timestamp = null,
        long? contentLength = -1,
        int chunk = int.MaxValue,
        Action<HttpRequest>? edit = null,
        IPAddress? client = null)
    {
        policy ??= Policy();
        timestamp ??= WebhookTimestamp.FormatUnixSeconds(now);
        signature ??= AxitechSignature.Sign(Secret, method, target, timestamp, body);
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = target;
        request.Headers[AxitechSignature.SignatureHeaderName] = signature;
        request.Headers[AxitechSignature.TimestampHeaderName] = timestamp;
        request.Headers.ContentType = "application/json";
        request.ContentLength = contentLength == -1 ? body.Length : contentLength;
        request.Body = new ChunkedStream(body, chunk);
        edit?.Invoke(request);
        var route = new RouteConfig { RouteId = "claims", ClusterId = "upstream", Match = new RouteMatch { Path = "/webhooks/claims/{**rest}" } };
        context.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature { Route = new RouteModel(route, null, HttpTransformer.Empty) });
        return new WebhookRequest(context, new WebhookRoute("claims", "upstream", policy, WebhookDeliveryMode.Forward), client ?? IPAddress.Loopback);
    }

    /// <summary>Runs the stages up to the end of the body, as the middleware does: screen, start the HMACs, read.</summary>
    public static async Task<Answer?> ScreenAndReadAsync(WebhookRequest request, BodyReader? reader = null)
    {
        reader ??= _reader;
        var answer = new RequestScreen(new Axitech.Gateway.Verification.FailureThrottle(new FailureThrottlingOptions { Enabled = false })).Check(request);
        if (answer is not null)
        {
            return answer;
        }

        SignatureCheck.Begin(request);
        return await reader.ReadAsync(request);
    }

    public static byte[] Json(string sessionId = "s1") => Encoding.UTF8.GetBytes("{\"event_type\":\"session.submitted\",\"data\":{\"sessionId\":\"" + sessionId + "\"}}");

    /// <summary>A body stream that hands out at most <paramref name="chunk"/> bytes a read, as a slow network would.</summary>
    private sealed class ChunkedStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => base.ReadAsync(buffer, offset, Math.Min(count, chunk), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
