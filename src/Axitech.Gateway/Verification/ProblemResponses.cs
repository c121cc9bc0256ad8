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

    private static readonly FrozenDictionary<string, byte[]> _cache = new Dictionary<string, byte[]>
    {
        ["missing_signature"] = Build(401, "missing_signature", "The x-aw-signature header is missing."),
        ["invalid_signature"] = Build(401, "invalid_signature", "The signature does not match the request."),
        ["missing_timestamp"] = Build(401, "missing_timestamp", "The x-aw-timestamp header is missing."),
        ["invalid_timestamp"] = Build(401, "invalid_timestamp", "The timestamp is not Unix seconds, Unix milliseconds or ISO-8601."),
        ["stale_timestamp"] = Build(401, "stale_timestamp", "The timestamp is older than the tolerance allows."),
        ["future_timestamp"] = Build(401, "future_timestamp", "The timestamp is further in the future than the tolerance allows."),
        ["body_too_large"] = Build(413, "body_too_large", "The body is larger than this route accepts."),
        ["method_not_allowed"] = Build(405, "method_not_allowed", "Webhook routes accept POST."),
        ["invalid_target"] = Build(400, "invalid_target", "The request target contains dot segments, backslashes or encoded separators."),
        ["invalid_body"] = Build(400, "invalid_body", "The request body could not be read completely."),
        ["rate_limited"] = Build(429, "rate_limited", "Too many failed verifications from this client; retry later."),
        ["policy_unavailable"] = Build(503, "policy_unavailable", "The route's webhook policy is being reloaded; retry later."),
        ["in_flight"] = Build(409, "in_flight", "The same delivery is being forwarded now; retry later."),
        ["store_full"] = Build(503, "store_full", "The duplicate store is full; retry later."),
        ["store_unavailable"] = Build(503, "store_unavailable", "The duplicate store is unavailable; retry later."),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static Task WriteAsync(HttpContext context, int statusCode, string reason)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        GatewayTelemetry.TagServerError(context);
        response.ContentType = ContentType;
        var body = _cache.TryGetValue(reason, out var cached)
            ? cached
            : Build(statusCode, reason, "The request was refused.");
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    private static byte[] Build(int status, string reason, string detail)
    {
        var title = ReasonPhrases.GetReasonPhrase(status);
        return Encoding.UTF8.GetBytes(
            $$"""{"type":"about:blank","title":"{{title}}","status":{{status}},"detail":"{{detail}}","reason":"{{reason}}"}""");
    }
}
