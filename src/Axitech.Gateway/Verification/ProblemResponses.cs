using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using Axitech.Gateway.Telemetry;
using Microsoft.AspNetCore.WebUtilities;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Small <c>application/problem+json</c> answers giving the reason code. Built once per reason; nothing in them is
/// derived from a secret, a signature or the payload.
/// </summary>
internal static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    /// <summary>What each reason means, in the problem's <c>detail</c>.</summary>
    private static readonly FrozenDictionary<string, string> _details = new Dictionary<string, string>
    {
        ["missing_signature"] = "The x-aw-signature header is missing.",
        ["invalid_signature"] = "The signature does not match the request.",
        ["missing_timestamp"] = "The x-aw-timestamp header is missing.",
        ["invalid_timestamp"] = "The timestamp is not Unix seconds, Unix milliseconds or ISO-8601.",
        ["stale_timestamp"] = "The timestamp is older than the tolerance allows.",
        ["future_timestamp"] = "The timestamp is further in the future than the tolerance allows.",
        ["body_too_large"] = "The body is larger than this route accepts.",
        ["method_not_allowed"] = "Webhook routes accept POST.",
        ["upgrade_not_allowed"] = "Webhook routes do not switch protocols (Upgrade).",
        ["invalid_target"] = "The request target contains dot segments, backslashes, encoded separators, spaces or control characters.",
        ["invalid_header"] = "A header value contains control characters.",
        ["ambiguous_timestamp"] = "The body begins with characters that would continue the timestamp, so the signed string does not say where the timestamp ends.",
        ["unverified_bytes_per_client"] = "This client has too many request bodies awaiting verification; retry later.",
        ["unverified_bytes"] = "The gateway has too many request bodies awaiting verification; retry later.",
        ["invalid_body"] = "The request body could not be read completely.",
        ["invalid_json"] = "The body is not JSON, so this route's duplicate key cannot be read from it.",
        ["rate_limited"] = "Too many failed verifications from this client; retry later.",
        ["policy_unavailable"] = "The route's webhook policy is being reloaded; retry later.",
        ["in_flight"] = "The same delivery is being forwarded now; retry later.",
        ["store_full"] = "The duplicate store is full; retry later.",
        ["store_unavailable"] = "The duplicate store is unavailable; retry later.",
        ["queue_unavailable"] = "The delivery queue cannot store the delivery now: nothing was accepted; retry later.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Bodies by status and reason, built once each (a body of the data-rate limit's 408 says 408).</summary>
    private static readonly ConcurrentDictionary<(int Status, string Reason), byte[]> _bodies = new();

    public static Task WriteAsync(HttpContext context, int statusCode, string reason)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        GatewayTelemetry.TagServerError(context);
        response.ContentType = ContentType;
        var body = _bodies.GetOrAdd((statusCode, reason), static key => Build(key.Status, key.Reason));
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    private static byte[] Build(int status, string reason)
    {
        var detail = status == StatusCodes.Status408RequestTimeout
            ? "The request body did not arrive fast enough."
            : _details.GetValueOrDefault(reason, "The request was refused.");
        var title = ReasonPhrases.GetReasonPhrase(status);
        return Encoding.UTF8.GetBytes(
            $$"""{"type":"about:blank","title":"{{title}}","status":{{status}},"detail":"{{detail}}","reason":"{{reason}}"}""");
    }
}
