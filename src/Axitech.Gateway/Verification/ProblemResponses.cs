using System.Collections.Concurrent;
using System.Collections.Frozen;
using Axitech.Gateway.Telemetry;
using Axitech.Webhooks.AspNetCore;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Small <c>application/problem+json</c> answers giving the reason code. Built once per reason; nothing in them is
/// derived from a secret, a signature or the payload.
/// </summary>
internal static class ProblemResponses
{
    public const string ContentType = WebhookProblems.ContentType;

    /// <summary>
    /// What each of the gateway's own reasons means, in the problem's <c>detail</c>. The verifier's and the body's
    /// reasons (and their wording) are <see cref="WebhookProblems"/>', shared with Axitech.Webhooks.AspNetCore.
    /// </summary>
    private static readonly FrozenDictionary<string, string> _details = new Dictionary<string, string>
    {
        ["method_not_allowed"] = "Webhook routes accept POST.",
        ["upgrade_not_allowed"] = "Webhook routes do not switch protocols (Upgrade).",
        ["invalid_target"] = "The request target contains dot segments, backslashes, encoded separators, spaces or control characters.",
        ["invalid_header"] = "A header value contains control characters.",
        ["unverified_bytes_per_client"] = "This client has too many request bodies awaiting verification; retry later.",
        ["unverified_bytes"] = "The gateway has too many request bodies awaiting verification; retry later.",
        ["invalid_json"] = "The body is not JSON, so this route's duplicate key cannot be read from it.",
        ["rate_limited"] = "Too many failed verifications from this client; retry later.",
        ["policy_unavailable"] = "The route's webhook policy is being reloaded; retry later.",
        ["in_flight"] = "The same delivery is being forwarded now; retry later.",
        ["store_full"] = "The duplicate store is full; retry later.",
        ["store_unavailable"] = "The duplicate store is unavailable; retry later.",
        ["queue_unavailable"] = "The delivery queue cannot store the delivery now: nothing was accepted; retry later.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Bodies by status and reason, built once each (a body of the data-rate limit's 408 says 408).</summary>
    private static readonly ConcurrentDictionary<(int Status, string Reason, string? Detail), byte[]> _bodies = new();

    /// <summary>Writes the problem; <paramref name="detail"/>, when given, is one of a bounded set of texts (bodies are cached by it).</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string reason, string? detail = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        GatewayTelemetry.TagServerError(context);
        response.ContentType = ContentType;
        var body = _bodies.GetOrAdd((statusCode, reason, detail), static key => Build(key.Status, key.Reason, key.Detail));
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    // The gateway's in_flight (a forward under way) keeps its own wording; every other shared reason reads as in the package.
    private static byte[] Build(int status, string reason, string? detail)
        => WebhookProblems.CreateBody(status, reason, detail ?? _details.GetValueOrDefault(reason) ?? WebhookProblems.GetDetail(status, reason));
}
