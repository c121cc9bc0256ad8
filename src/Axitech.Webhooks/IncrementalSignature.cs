using System.Buffers;
using System.Security.Cryptography;

namespace Axitech.Webhooks;

/// <summary>
/// Verifies a delivery while its body arrives: the signed prefix (<c>METHOD + target + timestamp</c>) is hashed when
/// the headers are known, each body chunk as it is received, so that after the last byte only the HMAC's final blocks
/// remain. One keyed HMAC runs per secret (two during a rotation). Allocates nothing with one secret once its pool is
/// warm.
/// </summary>
/// <remarks>
/// A mutable struct, so that a request carries it without an allocation: keep it in a field and call it there, never
/// through a copy. <see cref="Dispose"/> gives the HMAC instances back to their secrets' pools, reset, whether or not
/// the body was complete.
/// </remarks>
public struct IncrementalSignature : IDisposable
{
    private const int StackPrefixBytes = 512;

    private WebhookSecret[]? _secrets;
    private IncrementalHash? _first;
    private IncrementalHash[]? _others;
    private bool _pending;

    /// <summary>Starts a verification with the signed prefix; <paramref name="targetPrefix"/> is what an ingress stripped (empty when none).</summary>
    public static IncrementalSignature Start(
        WebhookSecret[] secrets, ReadOnlySpan<char> method, ReadOnlySpan<char> targetPrefix, ReadOnlySpan<char> target, ReadOnlySpan<char> timestamp)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentOutOfRangeException.ThrowIfZero(secrets.Length);
        var signature = new IncrementalSignature { _secrets = secrets, _first = secrets[0].RentHmac(), _pending = true };
        if (secrets.Length > 1)
        {
            signature._others = new IncrementalHash[secrets.Length - 1];
            for (var i = 1; i < secrets.Length; i++)
            {
                signature._others[i - 1] = secrets[i].RentHmac();
            }
        }

        var length = AxitechSignature.GetPrefixByteCount(method, targetPrefix, target, timestamp);
        byte[]? rented = null;
        var prefix = length <= StackPrefixBytes ? stackalloc byte[StackPrefixBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        var written = AxitechSignature.WritePrefix(prefix, method, targetPrefix, target, timestamp);
        signature.Append(prefix[..written]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return signature;
    }

    /// <summary>Appends body bytes, in the order they were received.</summary>
    public readonly void Append(ReadOnlySpan<byte> data)
    {
        _first!.AppendData(data);
        if (_others is not null)
        {
            foreach (var hmac in _others)
            {
                hmac.AppendData(data);
            }
        }
    }

    /// <summary>
    /// Ends the message and verifies it as <see cref="WebhookVerifier.Verify"/> does: the signature against every
    /// secret in constant time, then the timestamp's freshness. <paramref name="signatureBytes"/> receives the 32
    /// decoded signature bytes when the signature matched.
    /// </summary>
    public WebhookVerificationOutcome Complete(
        ReadOnlySpan<char> signature, ReadOnlySpan<char> timestamp, DateTimeOffset now, TimeSpan tolerance, Span<byte> signatureBytes, out DateTimeOffset parsedTimestamp)
    {
        parsedTimestamp = default;
        Span<byte> computed = stackalloc byte[AxitechSignature.SizeInBytes];
        var decoded = !signature.IsEmpty && WebhookVerifier.TryDecodeSignature(signature, signatureBytes);
        var provided = signatureBytes[..AxitechSignature.SizeInBytes];

        // Every HMAC is finished (which resets it for its next use) whatever the outcome.
        var matched = false;
        _first!.GetHashAndReset(computed);
        matched |= decoded && CryptographicOperations.FixedTimeEquals(computed, provided);
        if (_others is not null)
        {
            foreach (var hmac in _others)
            {
                hmac.GetHashAndReset(computed);
                matched |= decoded && CryptographicOperations.FixedTimeEquals(computed, provided);
            }
        }

        _pending = false;
        CryptographicOperations.ZeroMemory(computed);
        if (signature.IsEmpty)
        {
            return WebhookVerificationOutcome.MissingSignature;
        }

        if (timestamp.IsEmpty)
        {
            return WebhookVerificationOutcome.MissingTimestamp;
        }

        return matched
            ? WebhookVerifier.CheckFreshness(timestamp, now, tolerance, out parsedTimestamp)
            : WebhookVerificationOutcome.InvalidSignature;
    }

    /// <summary>Gives the HMAC instances back to their pools (reset first when the message was not completed).</summary>
    public void Dispose()
    {
        if (_secrets is null)
        {
            return;
        }

        if (_pending)
        {
            Span<byte> scratch = stackalloc byte[AxitechSignature.SizeInBytes];
            _first!.GetHashAndReset(scratch);
            foreach (var hmac in _others ?? [])
            {
                hmac.GetHashAndReset(scratch);
            }
        }

        _secrets[0].ReturnHmac(_first!);
        for (var i = 0; _others is not null && i < _others.Length; i++)
        {
            _secrets[i + 1].ReturnHmac(_others[i]);
        }

        _secrets = null;
        _first = null;
        _others = null;
    }
}
