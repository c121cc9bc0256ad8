using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Axitech.Webhooks;

/// <summary>
/// The Axitech signature scheme, made exact: <c>x-aw-signature</c> is the lower-case hex of
/// HMAC-SHA256(key = secret as UTF-8, message = UTF-8 of <c>METHOD + requestTarget + timestamp</c>, followed by the
/// raw body bytes when there are any). The request target is the path and query exactly as sent, still
/// percent-encoded.
/// </summary>
/// <remarks>
/// The signed string has no separators, which is why <see cref="WebhookTimestamp"/> parses strictly: see there.
/// Callers on a hot path lay the message out themselves (<see cref="GetPrefixByteCount"/> and
/// <see cref="WritePrefix"/> in front of the body bytes, in one buffer) so that one HMAC pass covers it all.
/// </remarks>
public static class AxitechSignature
{
    /// <summary>Size of an HMAC-SHA256 in bytes.</summary>
    public const int SizeInBytes = HMACSHA256.HashSizeInBytes;

    /// <summary>Length of the hex form of a signature.</summary>
    public const int HexLength = SizeInBytes * 2;

    /// <summary>Default name of the signature header.</summary>
    public const string SignatureHeaderName = "x-aw-signature";

    /// <summary>Default name of the timestamp header.</summary>
    public const string TimestampHeaderName = "x-aw-timestamp";

    private static readonly UTF8Encoding _utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// Number of bytes the signed prefix (<c>METHOD + targetPrefix + target + timestamp</c>) takes as UTF-8.
    /// </summary>
    public static int GetPrefixByteCount(ReadOnlySpan<char> method, ReadOnlySpan<char> targetPrefix, ReadOnlySpan<char> target, ReadOnlySpan<char> timestamp)
        => GetUpperByteCount(method) + _utf8.GetByteCount(targetPrefix) + _utf8.GetByteCount(target) + _utf8.GetByteCount(timestamp);

    /// <summary>
    /// Writes the signed prefix into <paramref name="destination"/> and returns the number of bytes written. The
    /// method is upper-cased as the vendor's <c>method.toUpperCase()</c> does; <paramref name="targetPrefix"/> is the
    /// part of the sender's URL that an ingress stripped before the request reached us (empty when none).
    /// </summary>
    public static int WritePrefix(Span<byte> destination, ReadOnlySpan<char> method, ReadOnlySpan<char> targetPrefix, ReadOnlySpan<char> target, ReadOnlySpan<char> timestamp)
    {
        var written = WriteUpper(destination, method);
        written += _utf8.GetBytes(targetPrefix, destination[written..]);
        written += _utf8.GetBytes(target, destination[written..]);
        written += _utf8.GetBytes(timestamp, destination[written..]);
        return written;
    }

    /// <summary>Computes the HMAC-SHA256 of an already laid-out message into <paramref name="destination"/> (32 bytes).</summary>
    public static void ComputeHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> destination)
        => HMACSHA256.HashData(key, message, destination);

    /// <summary>
    /// Signs a delivery and returns the lower-case hex signature, exactly as the vendor's Node.js snippet computes it.
    /// For tools and tests; the gateway verifies without allocating through <see cref="WebhookVerifier"/>.
    /// </summary>
    public static string Sign(string secret, string method, string target, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(timestamp);

        var prefixLength = GetPrefixByteCount(method, default, target, timestamp);
        var buffer = ArrayPool<byte>.Shared.Rent(prefixLength + body.Length);
        try
        {
            var written = WritePrefix(buffer, method, default, target, timestamp);
            body.CopyTo(buffer.AsSpan(written));
            Span<byte> hash = stackalloc byte[SizeInBytes];
            ComputeHash(_utf8.GetBytes(secret), buffer.AsSpan(0, written + body.Length), hash);
            return Hex.ToLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int GetUpperByteCount(ReadOnlySpan<char> method)
        => Ascii.IsValid(method) ? method.Length : _utf8.GetByteCount(method.ToString().ToUpperInvariant());

    private static int WriteUpper(Span<byte> destination, ReadOnlySpan<char> method)
    {
        if (Ascii.IsValid(method))
        {
            // HTTP methods are ASCII tokens: upper-case without allocating.
            Ascii.ToUpper(method, destination, out var written);
            return written;
        }

        // Not a method Kestrel accepts, but keep the scheme total: JavaScript's toUpperCase on the whole string.
        return _utf8.GetBytes(method.ToString().ToUpperInvariant(), destination);
    }
}
