using System.Buffers;
using Axitech.Gateway.Verification;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The first stage: what can be refused before a body byte is read or a buffer reserved. Throttled clients, protocol
/// upgrades, methods, targets, the signed headers' form, and a declared length over the limit.
/// </summary>
internal sealed class RequestScreen
{
    private static readonly SearchValues<char> _hexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>Control characters other than HTAB: what an HTTP/1.1 field value cannot carry (RFC 9110 §5.5).</summary>
    private static readonly SearchValues<char> _controls = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Where(c => c != '\t').Select(c => (char)c)) + "\x7f");
    private static readonly Answer _missingSignature = Unauthorized(WebhookVerificationOutcome.MissingSignature);
    private static readonly Answer _missingTimestamp = Unauthorized(WebhookVerificationOutcome.MissingTimestamp);
    private static readonly Answer _invalidSignature = Unauthorized(WebhookVerificationOutcome.InvalidSignature);

    private readonly FailureThrottle _throttle;
    private readonly Answer _rateLimited;

    public RequestScreen(FailureThrottle throttle)
    {
        _throttle = throttle;
        _rateLimited = Answer.Reject(StatusCodes.Status429TooManyRequests, Telemetry.WebhookOutcomes.RateLimited) with
        {
            CountsAsFailure = false,
            RetryAfter = throttle.RetryAfterSeconds,
        };
    }

    public static Answer Unauthorized(WebhookVerificationOutcome outcome) => Answer.Reject(StatusCodes.Status401Unauthorized, outcome.ToReasonCode());

    /// <summary>Returns the refusal, or null with the signed headers and raw target kept on the request.</summary>
    public Answer? Check(WebhookRequest request)
    {
        var context = request.Context;
        var http = context.Request;
        if (!_throttle.TryEnter(request.Client, out var counted))
        {
            return _rateLimited;
        }

        if (counted)
        {
            request.CountInFlight(_throttle);
        }

        // A webhook is one request and one answer. A protocol switch would let the sender's later bytes reach the
        // upstream unverified (and YARP forwards a WebSocket upgrade as a GET), so none is ever passed on.
        if (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true
            || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true
            || http.Headers.ContainsKey(HeaderNames.Upgrade))
        {
            return Answer.UpgradeNotAllowed;
        }

        // The scheme signs the method upper-cased, so "post" carries a valid signature for "POST"; but methods are
        // case-sensitive (RFC 9110 §9.1), and routing and HttpMethods.IsPost are not: the upstream would receive a
        // method nobody signed. Only the upper-case form, the one that was signed, is accepted.
        var routeMethods = context.GetReverseProxyFeature().Route.Config.Match.Methods;
        if (http.Method.AsSpan().ContainsAnyInRange('a', 'z') || (routeMethods is null && !HttpMethods.IsPost(http.Method)))
        {
            context.Response.Headers.Allow = routeMethods is null ? HttpMethods.Post : string.Join(", ", routeMethods);
            return Answer.MethodNotAllowed;
        }

        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (!RawTarget.IsAcceptable(rawTarget))
        {
            return Answer.InvalidTarget;
        }

        // HTTP/2 carries control characters in field values that the upstream's HTTP/1.1 request could not carry as
        // they are; refused rather than passed on altered or raw.
        if (HasControlCharacters(http.Headers))
        {
            return Answer.InvalidHeader;
        }

        // Duplicated headers join with commas and so fail like any other malformed value.
        var policy = request.Policy;
        var signature = http.Headers[policy.SignatureHeader].ToString();
        var timestamp = http.Headers[policy.TimestampHeader].ToString();
        if (signature.Length == 0)
        {
            return _missingSignature;
        }

        if (timestamp.Length == 0)
        {
            return _missingTimestamp;
        }

        // Not 64 hex characters: invalid without reading the body.
        if (signature.Length != AxitechSignature.HexLength || signature.AsSpan().ContainsAnyExcept(_hexDigits))
        {
            return _invalidSignature;
        }

        if (http.ContentLength > policy.MaxBodyBytes)
        {
            request.BodyLength = http.ContentLength.Value;
            return Answer.BodyTooLarge;
        }

        request.Signature = signature;
        request.Timestamp = timestamp;
        request.RawTarget = rawTarget;
        return null;
    }

    private static bool HasControlCharacters(IHeaderDictionary headers)
    {
        foreach (var (_, values) in headers)
        {
            foreach (var value in values)
            {
                if (value is not null && value.AsSpan().ContainsAny(_controls))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
