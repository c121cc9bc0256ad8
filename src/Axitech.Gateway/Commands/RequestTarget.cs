using System.Globalization;
using System.Text;

namespace Axitech.Gateway.Commands;

/// <summary>
/// The request target (path and query) of a URL as it goes on the request line: what a sender signs and sends. The
/// gateway verifies the target exactly as received, so the signed and the sent target must be the same string.
/// </summary>
internal static class RequestTarget
{
    /// <summary>What a target looks like, for messages.</summary>
    private const string Example = "/webhooks/claims?x=1";

    /// <summary>
    /// Checks that <paramref name="url"/> is an absolute http(s) URL and returns its path and query as sent: as written,
    /// except that what cannot appear on a request line is percent-encoded (see <see cref="Encode"/>). No other
    /// canonicalisation (<see cref="Uri"/> would unescape or re-escape characters, and a signature covers the exact bytes).
    /// </summary>
    public static string FromUrl(string url)
    {
        var (_, target) = Split(url);
        return Encode(target)
            ?? throw new CommandException($"'{url}' has a '%' that does not start a percent-encoded byte (%XX); write a literal '%' as %25.");
    }

    /// <summary>
    /// The URL an <see cref="HttpClient"/> sends with <see cref="FromUrl"/>'s target on the request line, byte for byte;
    /// also the URL a printed curl command names.
    /// </summary>
    public static string ToRequestUrl(string url) => Split(url).Origin + FromUrl(url);

    /// <summary>A <see cref="Uri"/> that an <see cref="HttpClient"/> sends with the path and query of <see cref="ToRequestUrl"/> exactly.</summary>
    public static Uri ToUncanonicalizedUri(string url)
        => new(ToRequestUrl(url), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>
    /// Checks a target given on its own (<c>sign --target</c>): the path and query exactly as sent. Returns null when it
    /// is one, else the message saying what to give instead.
    /// </summary>
    public static string? Check(string target, string option)
    {
        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            var suggestion = Encode(Split(target).Target) is { } encoded ? $" ('{encoded}' for this URL)" : string.Empty;
            return $"{option} '{target}' is a URL; give the request target, the path and query as sent, starting with '/'{suggestion}, or give the URL with --curl.";
        }

        if (!target.StartsWith('/'))
        {
            return $"{option} '{target}' is not a request target: give the path and query as sent, starting with '/' (such as {Example}).";
        }

        if (target.Contains('#', StringComparison.Ordinal))
        {
            return $"{option} '{target}' has a fragment ('#...'), which is never sent; leave it out.";
        }

        return Encode(target) switch
        {
            null => $"{option} '{target}' has a '%' that does not start a percent-encoded byte (%XX); write a literal '%' as %25.",
            var encoded when encoded != target => $"{option} '{target}' has characters that cannot be sent on a request line as written (spaces, non-ASCII, ...); as sent it is '{encoded}'. Give that.",
            _ => null,
        };
    }

    /// <summary>
    /// Percent-encodes what cannot appear in a request target as it is (RFC 9112 origin-form: RFC 3986 path and query
    /// characters): a space, control characters, non-ASCII (as its UTF-8 bytes, René → Ren%C3%A9) and " &lt; &gt; \ ^ `
    /// { | } [ ]. An existing %XX is kept, not encoded again. Returns null for a '%' that does not start one: whether it
    /// meant a literal '%' or a mistyped escape cannot be told.
    /// </summary>
    private static string? Encode(string target)
    {
        var encoded = new StringBuilder(target.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < target.Length;)
        {
            var c = target[i];
            if (c == '%')
            {
                if (i + 2 >= target.Length || !char.IsAsciiHexDigit(target[i + 1]) || !char.IsAsciiHexDigit(target[i + 2]))
                {
                    return null;
                }

                encoded.Append(target, i, 3);
                i += 3;
                continue;
            }

            if (IsTargetCharacter(c))
            {
                encoded.Append(c);
                i++;
                continue;
            }

            // A lone surrogate has no UTF-8 form; it is encoded as U+FFFD, as UTF8Encoding would.
            if (Rune.DecodeFromUtf16(target.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }

            i += consumed;
        }

        return encoded.ToString();
    }

    /// <summary>RFC 3986 unreserved, sub-delims, ':' '@' '/' '?': the characters a path and query carry as they are.</summary>
    private static bool IsTargetCharacter(char c)
        => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/' or '?';

    /// <summary>Splits an absolute http(s) URL into its origin (scheme and authority) and its target as written, without the fragment.</summary>
    private static (string Origin, string Target) Split(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CommandException($"'{url}' is not an absolute http:// or https:// URL.");
        }

        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var targetStart = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var origin = targetStart < 0 ? url : url[..targetStart];
        var target = targetStart < 0 ? "/" : url[targetStart..];
        var fragment = target.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            // A fragment is never sent.
            target = target[..fragment];
        }

        return (origin, target.StartsWith('/') ? target : "/" + target);
    }
}
