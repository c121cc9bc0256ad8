using System.Diagnostics;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Telemetry;
using Axitech.Webhooks;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The verification stage, in two steps around the body read: <see cref="Begin"/> starts the HMACs with the signed
/// prefix once the headers passed the screen, so that the body is hashed as it arrives; <see cref="Complete"/> ends
/// them after the last byte, compares in constant time, checks the timestamp's freshness, and derives the delivery's
/// duplicate key.
/// </summary>
internal sealed class SignatureCheck
{
    private static readonly Dictionary<WebhookVerificationOutcome, Answer> _refusals = Enum.GetValues<WebhookVerificationOutcome>()
        .Where(o => o != WebhookVerificationOutcome.Valid)
        .ToDictionary(o => o, RequestScreen.Unauthorized);

    private static readonly Answer _ambiguousTimestamp = Answer.Reject(StatusCodes.Status401Unauthorized, WebhookOutcomes.AmbiguousTimestamp);

    private readonly TimeProvider _timeProvider;
    private readonly GatewayMetrics _metrics;

    public SignatureCheck(TimeProvider timeProvider, GatewayMetrics metrics)
    {
        _timeProvider = timeProvider;
        _metrics = metrics;
    }

    public static void Begin(WebhookRequest request)
    {
        var policy = request.Policy;
        request.Hmac = IncrementalSignature.Start(policy.Secrets, request.Context.Request.Method, policy.SignedPathPrefix, request.RawTarget, request.Timestamp);
    }

    public Answer? Complete(WebhookRequest request)
    {
        var policy = request.Policy;
        _metrics.BodySize(request.Route.RouteId, policy.Name, request.BodyLength);
        var started = Stopwatch.GetTimestamp();
        Span<byte> signature = stackalloc byte[AxitechSignature.SizeInBytes];
        var outcome = request.Hmac.Complete(request.Signature, request.Timestamp, _timeProvider.GetUtcNow(), policy.Tolerance, signature, out var deliveredAt);
        _metrics.VerificationDuration(request.Route.RouteId, policy.Name, Stopwatch.GetElapsedTime(started));
        if (outcome != WebhookVerificationOutcome.Valid)
        {
            return _refusals[outcome];
        }

        // The signed string has no separator between timestamp and body. A policy with one timestamp form leaves no
        // room for a slide; with Any, when the body's first characters would continue the timestamp, the same signature
        // verifies with them moved across (seconds read as milliseconds, a time given a zone), so only the split with
        // the longest timestamp is ever accepted (see SECURITY.md).
        if (policy.TimestampFormat != WebhookTimestampFormat.Any)
        {
            if (!WebhookTimestamp.IsInFormat(request.Timestamp, policy.TimestampFormat))
            {
                return Answer.Reject(StatusCodes.Status401Unauthorized, WebhookOutcomes.TimestampFormat) with
                {
                    Detail = $"The timestamp is {WebhookTimestamp.DescribeForm(request.Timestamp)}; this route accepts {policy.TimestampFormat} only.",
                };
            }
        }
        else if (WebhookTimestamp.IsContinuedBy(request.Timestamp, request.Body.Span))
        {
            return _ambiguousTimestamp;
        }

        request.DeliveredAt = deliveredAt;
        if (policy.Deduplication.Enabled)
        {
            if (DeduplicationService.CreateKey(policy, signature, request.Body) is not { } key)
            {
                // A content-keyed policy cannot key a body that is not JSON. Such a body is refused rather than keyed on
                // its signature: another delivery with the same content is stored under its content key, and a key
                // of another kind would not find it.
                return Answer.InvalidJson;
            }

            request.Key = key;
        }

        return null;
    }
}
