using System.Text;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// What came back on a raw connection: the first final response (status 0 when none came), whether the server closed
/// the connection afterwards, and any bytes it sent after that response (a second response means a second request
/// was read from the bytes the client meant as one).
/// </summary>
public sealed record RawHttpResponse(
    int StatusCode,
    string StatusLine,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body,
    bool ConnectionClosed,
    byte[] Trailing)
{
    public static RawHttpResponse None(bool connectionClosed) => new(0, string.Empty, [], [], connectionClosed, []);

    public string? Header(string name)
    {
        var values = Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }

    /// <summary>The <c>reason</c> of a problem+json answer (the gateway's own refusals), else null.</summary>
    public string? Reason => ReasonOf(Header("Content-Type"), Body);

    public static string? ReasonOf(string? contentType, byte[] body) => ProblemReason.Of(contentType, body);

    public override string ToString()
        => StatusCode == 0
            ? $"no response (connection {(ConnectionClosed ? "closed" : "open")})"
            : $"{StatusLine} reason={Reason ?? "-"} closed={ConnectionClosed} trailing={Trailing.Length} body={Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 200)))}";
}
