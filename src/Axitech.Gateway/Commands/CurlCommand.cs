using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>Writes a signed delivery as a ready-to-run POSIX-shell <c>curl</c> command line.</summary>
internal static class CurlCommand
{
    private static readonly UTF8Encoding _strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The body goes as <c>--data-binary @file</c> when it came from a file (exact bytes, whatever they are), or quoted
    /// inline when it came from stdin, which needs text a shell argument can carry. <paramref name="url"/> is the URL as
    /// sent (<see cref="RequestTarget.ToRequestUrl"/>): curl sends a path and query that need no encoding as written.
    /// </summary>
    public static string Format(SignedDelivery delivery, string url, FileInfo? bodyFile)
    {
        var command = new StringBuilder("curl -sS -i");
        if (delivery.Method != "POST")
        {
            command.Append(" -X ").Append(Quote(delivery.Method));
        }

        command.Append(" \\\n  ").Append(Quote(url))
            .Append(" \\\n  -H ").Append(Quote("Content-Type: application/json"))
            .Append(" \\\n  -H ").Append(Quote($"{AxitechSignature.TimestampHeaderName}: {delivery.Timestamp}"))
            .Append(" \\\n  -H ").Append(Quote($"{AxitechSignature.SignatureHeaderName}: {delivery.Signature}"))
            .Append(" \\\n  --data-binary ").Append(Quote(bodyFile is null ? InlineBody(delivery.Body.Span) : "@" + bodyFile.FullName));
        return command.ToString();
    }

    private static string InlineBody(ReadOnlySpan<byte> body)
    {
        string text;
        try
        {
            text = _strictUtf8.GetString(body);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CommandException("The body is not UTF-8 text, which a quoted shell argument cannot carry exactly; give it with --body-file instead.", ex);
        }

        return text.Contains('\0', StringComparison.Ordinal)
            ? throw new CommandException("The body contains a NUL byte, which a shell argument cannot carry; give it with --body-file instead.")
            : text;
    }

    /// <summary>POSIX single quotes: everything literal, a quote itself written as <c>'\''</c>.</summary>
    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
