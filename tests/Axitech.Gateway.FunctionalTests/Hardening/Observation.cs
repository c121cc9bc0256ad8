using System.Globalization;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// What a client saw, summarised for a table: <c>"401 invalid_signature"</c> (status and the gateway's reason),
/// <c>"431"</c> (Kestrel's own refusal, no reason), <c>"rst 1"</c> / <c>"goaway 13"</c> (HTTP/2 stream or connection
/// errors), or <c>"no response"</c>; <c>" then more"</c> when a second response followed on the same connection.
/// </summary>
public sealed record Observation(int Status, string Summary, string Detail)
{
    /// <summary>A raw HTTP/1.1 exchange; anything the server sent after the first response shows as <c>" then more"</c>.</summary>
    public static Observation Of(RawHttpResponse response)
        => new(
            response.StatusCode,
            (response.StatusCode == 0 ? "no response" : Summarise(response.StatusCode, response.Reason)) + (response.Trailing.Length > 0 ? " then more" : string.Empty),
            response.ToString());

    public static Observation Of(Http2Outcome outcome)
        => new(
            outcome.StatusCode,
            outcome switch
            {
                { StatusCode: > 0 } => Summarise(outcome.StatusCode, outcome.Reason),
                { ResetErrorCode: { } code } => "rst " + code.ToString(CultureInfo.InvariantCulture),
                { GoAwayErrorCode: { } code } => "goaway " + code.ToString(CultureInfo.InvariantCulture),
                _ => "no response",
            },
            outcome.ToString());

    public static async Task<Observation> OfAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var reason = RawHttpResponse.ReasonOf(response.Content.Headers.ContentType?.MediaType, body);
        var status = (int)response.StatusCode;
        return new(status, Summarise(status, reason), $"HTTP/{response.Version} {status} reason={reason ?? "-"}");
    }

    private static string Summarise(int status, string? reason)
        => reason is null ? status.ToString(CultureInfo.InvariantCulture) : $"{status.ToString(CultureInfo.InvariantCulture)} {reason}";
}
