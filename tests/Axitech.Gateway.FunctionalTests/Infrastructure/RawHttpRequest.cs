using System.Globalization;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// An HTTP/1.1 request as bytes, built line by line so that anything can be wrong with it. <see cref="Body"/> is what
/// follows the blank line on the wire, framing included.
/// </summary>
public sealed record RawHttpRequest
{
    public string Method { get; init; } = "POST";

    public string Target { get; init; } = "/";

    public string Version { get; init; } = "HTTP/1.1";

    /// <summary>Header lines as sent, e.g. <c>"Content-Length: 5"</c>; anything goes.</summary>
    public IReadOnlyList<string> HeaderLines { get; init; } = [];

    public byte[] Body { get; init; } = [];

    public string LineEnding { get; init; } = "\r\n";

    /// <summary>How the request line and headers become bytes: UTF-8 by default; Latin-1 sends each char as one byte.</summary>
    public Encoding HeadEncoding { get; init; } = Encoding.UTF8;

    /// <summary>A signed delivery as a well-formed request with a Content-Length.</summary>
    public static RawHttpRequest From(SignedRequest delivery)
        => new()
        {
            Method = delivery.Method,
            Target = delivery.Target,
            HeaderLines =
            [
                "Host: 127.0.0.1",
                $"{AxitechSignature.SignatureHeaderName}: {delivery.Signature}",
                $"{AxitechSignature.TimestampHeaderName}: {delivery.Timestamp}",
                "Content-Type: application/json",
                $"Content-Length: {delivery.Body.Length.ToString(CultureInfo.InvariantCulture)}",
            ],
            Body = delivery.Body,
        };

    public RawHttpRequest WithoutHeader(string name)
        => this with { HeaderLines = [.. HeaderLines.Where(l => !l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))] };

    public RawHttpRequest WithHeader(string line) => this with { HeaderLines = [.. HeaderLines, line] };

    /// <summary>Replaces every line of header <paramref name="name"/> by <paramref name="lines"/>, where the first one stood.</summary>
    public RawHttpRequest ReplaceHeader(string name, params string[] lines)
    {
        var index = HeaderLines.ToList().FindIndex(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
        var kept = WithoutHeader(name).HeaderLines.ToList();
        kept.InsertRange(index < 0 ? kept.Count : index, lines);
        return this with { HeaderLines = kept };
    }

    /// <summary>The same body sent chunked (no Content-Length), in chunks of <paramref name="chunkSize"/>.</summary>
    public RawHttpRequest Chunked(int chunkSize = 1000, bool terminate = true)
        => WithoutHeader("Content-Length").WithHeader("Transfer-Encoding: chunked") with { Body = ChunkedBody(Body, chunkSize, terminate) };

    public static byte[] ChunkedBody(byte[] data, int chunkSize, bool terminate = true)
    {
        var output = new MemoryStream();
        for (var offset = 0; offset < data.Length; offset += chunkSize)
        {
            var size = Math.Min(chunkSize, data.Length - offset);
            output.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            output.Write(data, offset, size);
            output.Write("\r\n"u8);
        }

        if (terminate)
        {
            output.Write("0\r\n\r\n"u8);
        }

        return output.ToArray();
    }

    public byte[] Head()
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(' ').Append(Version).Append(LineEnding);
        foreach (var line in HeaderLines)
        {
            head.Append(line).Append(LineEnding);
        }

        head.Append(LineEnding);
        return HeadEncoding.GetBytes(head.ToString());
    }

    public byte[] ToBytes() => [.. Head(), .. Body];
}
