namespace Axitech.Gateway.Commands;

/// <summary>The request target (path and query) of a URL exactly as written: what a sender signs and sends.</summary>
internal static class RequestTarget
{
    /// <summary>
    /// Checks that <paramref name="url"/> is an absolute http(s) URL and returns its path and query as written,
    /// without <see cref="Uri"/>'s canonicalisation (which would unescape or re-escape characters, and a signature
    /// covers the exact bytes).
    /// </summary>
    public static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CommandException($"'{url}' is not an absolute http:// or https:// URL.");
        }

        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var targetStart = url.IndexOfAny(['/', '?', '#'], authorityStart);
        var target = targetStart < 0 ? "/" : url[targetStart..];
        var fragment = target.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            // A fragment is never sent.
            target = target[..fragment];
        }

        return target.StartsWith('/') ? target : "/" + target;
    }

    /// <summary>A <see cref="Uri"/> that an <see cref="HttpClient"/> sends with the path and query exactly as written.</summary>
    public static Uri ToUncanonicalizedUri(string url)
        => new(url, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
