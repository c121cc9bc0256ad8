using System.Security.Cryptography;

namespace Axitech.Webhooks;

/// <summary>
/// Verifies one delivery: a pure function of the signed bytes, the two headers, the secrets and the clock.
/// </summary>
/// <remarks>
/// The signature is checked before the timestamp's freshness so that the reason is honest:
/// <see cref="WebhookVerificationOutcome.InvalidSignature"/> means a wrong secret or tampering, while
/// <see cref="WebhookVerificationOutcome.StaleTimestamp"/> or <see cref="WebhookVerificationOutcome.FutureTimestamp"/>
/// with a good signature means clock skew or a replayed genuine delivery. There is no "no secret, so valid" path:
/// with no secrets nothing verifies.
/// </remarks>
public static class WebhookVerifier
{
    /// <summary>
    /// Verifies a delivery whose signed message (<see cref="AxitechSignature.WritePrefix"/> followed by the body) is
    /// laid out in <paramref name="signedMessage"/>. Allocates nothing.
    /// </summary>
    /// <param name="signedMessage">UTF-8 of METHOD + target + timestamp, then the raw body bytes.</param>
    /// <param name="signature">The signature header value, or empty when absent.</param>
    /// <param name="timestamp">The timestamp header value, or empty when absent.</param>
    /// <param name="secrets">The secrets of the policy; any one of them verifies (that is how a secret is rotated).</param>
    /// <param name="now">The current instant.</param>
    /// <param name="tolerance">How far the timestamp may be from <paramref name="now"/>, on either side.</param>
    /// <param name="signatureBytes">Receives the 32 decoded signature bytes when the signature matched.</param>
    /// <param name="parsedTimestamp">The instant the timestamp names, when it parsed.</param>
    public static WebhookVerificationOutcome Verify(
        ReadOnlySpan<byte> signedMessage,
        ReadOnlySpan<char> signature,
        ReadOnlySpan<char> timestamp,
        ReadOnlySpan<WebhookSecret> secrets,
        DateTimeOffset now,
        TimeSpan tolerance,
        Span<byte> signatureBytes,
        out DateTimeOffset parsedTimestamp)
    {
        parsedTimestamp = default;
        if (signature.IsEmpty)
        {
            return WebhookVerificationOutcome.MissingSignature;
        }

        if (timestamp.IsEmpty)
        {
            return WebhookVerificationOutcome.MissingTimestamp;
        }

        if (!TryDecodeSignature(signature, signatureBytes))
        {
            return WebhookVerificationOutcome.InvalidSignature;
        }

        if (!MatchesAny(signedMessage, signatureBytes[..AxitechSignature.SizeInBytes], secrets))
        {
            return WebhookVerificationOutcome.InvalidSignature;
        }

        return CheckFreshness(timestamp, now, tolerance, out parsedTimestamp);
    }

    /// <summary>
    /// The freshness half of the verification: parses the timestamp strictly and checks it lies within
    /// ±<paramref name="tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static WebhookVerificationOutcome CheckFreshness(ReadOnlySpan<char> timestamp, DateTimeOffset now, TimeSpan tolerance, out DateTimeOffset parsedTimestamp)
    {
        if (!WebhookTimestamp.TryParse(timestamp, out parsedTimestamp))
        {
            return WebhookVerificationOutcome.InvalidTimestamp;
        }

        // Compare in ticks: subtracting DateTimeOffsets near MinValue/MaxValue would overflow.
        var skew = parsedTimestamp.UtcTicks - now.UtcTicks;
        if (skew < -tolerance.Ticks)
        {
            return WebhookVerificationOutcome.StaleTimestamp;
        }

        return skew > tolerance.Ticks ? WebhookVerificationOutcome.FutureTimestamp : WebhookVerificationOutcome.Valid;
    }

    /// <summary>
    /// Decodes a signature header: exactly 64 hex characters, upper- or lower-case. Anything else is invalid.
    /// </summary>
    public static bool TryDecodeSignature(ReadOnlySpan<char> signature, Span<byte> destination)
    {
        if (signature.Length != AxitechSignature.HexLength || destination.Length < AxitechSignature.SizeInBytes)
        {
            return false;
        }

        return Hex.TryDecode(signature, destination[..AxitechSignature.SizeInBytes]);
    }

    private static bool MatchesAny(ReadOnlySpan<byte> signedMessage, ReadOnlySpan<byte> provided, ReadOnlySpan<WebhookSecret> secrets)
    {
        Span<byte> computed = stackalloc byte[AxitechSignature.SizeInBytes];
        var matched = false;
        foreach (var secret in secrets)
        {
            secret.ComputeHash(signedMessage, computed);

            // Constant time on the decoded bytes, unlike the vendor snippet's string !==.
            matched |= CryptographicOperations.FixedTimeEquals(computed, provided);
            if (matched)
            {
                break;
            }
        }

        CryptographicOperations.ZeroMemory(computed);
        return matched;
    }
}
