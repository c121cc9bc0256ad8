using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// The <c>application/problem+json</c> answers the Axitech gateway and these filters give: one body per status and
/// reason code, with nothing derived from a secret, a signature or the payload. The gateway builds its answers here too,
/// so that a sender sees the same refusal from either.
/// </summary>
public static class WebhookProblems
{
    /// <summary>The content type of every refusal: <c>application/problem+json</c>.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>Reason code of a body over the policy's limit (413).</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>Reason code of a body that could not be read completely (400), or arrived too slowly (408).</summary>
    public const string InvalidBody = "invalid_body";

    /// <summary>The reason for a valid signature whose timestamp the body's first characters would continue (401).</summary>
    public const string AmbiguousTimestamp = "ambiguous_timestamp";

    /// <summary>The reason for a timestamp of another form than the policy's <c>TimestampFormat</c> (401).</summary>
    public const string TimestampFormat = "timestamp_format";

    /// <summary>Reason code of a repeat that arrived while the first copy is still being processed (409).</summary>
    public const string InFlight = "in_flight";

    /// <summary>Reason code of an <c>X-Axitech-Delivery-Id</c> that is not an id (400).</summary>
    public const string InvalidDeliveryId = "invalid_delivery_id";

    private static readonly FrozenDictionary<string, string> _details = new Dictionary<string, string>
    {
        ["missing_signature"] = "The x-aw-signature header is missing.",
        ["invalid_signature"] = "The signature does not match the request.",
        ["missing_timestamp"] = "The x-aw-timestamp header is missing.",
        ["invalid_timestamp"] = "The timestamp is not Unix seconds, Unix milliseconds or ISO-8601.",
        ["stale_timestamp"] = "The timestamp is older than the tolerance allows.",
        ["future_timestamp"] = "The timestamp is further in the future than the tolerance allows.",
        [BodyTooLarge] = "The body is larger than this route accepts.",
        [InvalidBody] = "The request body could not be read completely.",
        [TimestampFormat] = "The timestamp is not in the one form this policy accepts (TimestampFormat).",
        [AmbiguousTimestamp] = "The body begins with characters that would continue the timestamp, so the signed string does not say where the timestamp ends.",
        [InFlight] = "The same delivery is being processed now; retry later.",
        [InvalidDeliveryId] = "The X-Axitech-Delivery-Id header is not a delivery id.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<(int Status, string Reason), byte[]> _bodies = new();

    /// <summary>
    /// What a reason means, for the problem's <c>detail</c>; null for a reason these packages do not give. A 408 always
    /// says the body was too slow.
    /// </summary>
    public static string? GetDetail(int statusCode, string reason)
        => statusCode == StatusCodes.Status408RequestTimeout ? "The request body did not arrive fast enough." : _details.GetValueOrDefault(reason);

    /// <summary>
    /// The UTF-8 problem body: <c>{"type":"about:blank","title":…,"status":…,"detail":…,"reason":…}</c>. The detail is
    /// <paramref name="detail"/> when given, else <see cref="GetDetail"/>'s, else a generic one.
    /// </summary>
    public static byte[] CreateBody(int statusCode, string reason, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var text = detail ?? GetDetail(statusCode, reason) ?? "The request was refused.";
        var title = ReasonPhrases.GetReasonPhrase(statusCode);
        return Encoding.UTF8.GetBytes(
            $$"""{"type":"about:blank","title":"{{title}}","status":{{statusCode}},"detail":"{{text}}","reason":"{{reason}}"}""");
    }

    /// <summary>Writes the refusal: the status, the problem body (built once per status and reason) and its length.</summary>
    public static Task WriteAsync(HttpContext context, int statusCode, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        var body = _bodies.GetOrAdd((statusCode, reason), static key => CreateBody(key.Status, key.Reason));
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
