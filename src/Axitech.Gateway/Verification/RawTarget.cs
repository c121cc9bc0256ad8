namespace Axitech.Gateway.Verification;

/// <summary>
/// Rules for the request target as received (<c>IHttpRequestFeature.RawTarget</c>), which is what is signed and what
/// is forwarded.
/// </summary>
internal static class RawTarget
{
    /// <summary>
    /// Refuses targets whose meaning depends on who decodes them: dot segments, backslashes and encoded dots, slashes
    /// or backslashes in the path. Kestrel routes on the normalised, decoded path while the upstream receives the raw
    /// target; with these gone, both see the same path, so a delivery signed for one route cannot be steered to
    /// another. The query is restricted only to what an HTTP/1.1 request line can carry: no space, tab or other control
    /// character anywhere in the target (HTTP/2's <c>:path</c> can hold them, and the upstream's request line would
    /// then end early or mean something else).
    /// </summary>
    public static bool IsAcceptable(string target)
    {
        if (target.Length == 0 || target[0] != '/' || target.AsSpan().ContainsAnyInRange('\0', ' ') || target.Contains('\x7f', StringComparison.Ordinal))
        {
            return false;
        }

        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target.AsSpan() : target.AsSpan(0, queryStart);
        if (path.Contains('\\') || path.Contains('#'))
        {
            return false;
        }

        if (path.IndexOf('%') >= 0
            && (path.Contains("%2e", StringComparison.OrdinalIgnoreCase)
                || path.Contains("%2f", StringComparison.OrdinalIgnoreCase)
                || path.Contains("%5c", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        foreach (var segmentRange in path.Split('/'))
        {
            var segment = path[segmentRange];
            if (segment is "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The upstream URI: the destination prefix followed by the raw target exactly as received, without the decoding
    /// and re-encoding YARP applies by default (dotnet/yarp#2702), so that an upstream re-verifying the signature sees
    /// the signed bytes.
    /// </summary>
    public static Uri ToDestinationUri(string destinationPrefix, string target)
    {
        var prefix = destinationPrefix.EndsWith('/') ? destinationPrefix.AsSpan(0, destinationPrefix.Length - 1) : destinationPrefix.AsSpan();
        return new Uri(string.Concat(prefix, target), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
    }
}
