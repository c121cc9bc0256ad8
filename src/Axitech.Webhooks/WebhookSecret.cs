using System.Security.Cryptography;
using System.Text;

namespace Axitech.Webhooks;

/// <summary>
/// One webhook secret, held as the UTF-8 bytes the HMAC key is made of. <see cref="ToString"/> never reveals it.
/// </summary>
/// <remarks>
/// <see cref="ComputeHash"/> reuses keyed HMAC instances from a small pool of its own: a one-shot
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> sets up a new context and
/// derives the key's inner and outer pads on every call, which at 1 KiB is half the cost of the whole HMAC. The pooled
/// instances hold nothing of a message between uses (each use ends with a reset), and are freed by the runtime when the
/// secret is dropped, as on a configuration reload that removes it.
/// </remarks>
public sealed class WebhookSecret
{
    private readonly byte[] _key;
    private readonly IncrementalHash?[] _hmacs = new IncrementalHash?[Math.Clamp(Environment.ProcessorCount * 2, 4, 64)];

    /// <summary>Creates a secret from its text form (as shown in the vendor's admin page).</summary>
    public WebhookSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        _key = Encoding.UTF8.GetBytes(secret);
        Fingerprint = ComputeFingerprint(_key);
    }

    /// <summary>The HMAC key: the secret as UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>
    /// The first 8 hex characters of SHA-256 over the secret: enough to tell two environments' secrets apart,
    /// useless for recovering the secret.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>
    /// Writes the HMAC-SHA256 of <paramref name="message"/> under this secret to <paramref name="destination"/>
    /// (<see cref="AxitechSignature.SizeInBytes"/> bytes): the same bytes as
    /// <see cref="AxitechSignature.ComputeHash"/> with <see cref="Key"/>. Thread-safe; allocates nothing once warm.
    /// </summary>
    public void ComputeHash(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        var hmac = RentHmac();
        try
        {
            hmac.AppendData(message);
            hmac.GetHashAndReset(destination);
        }
        catch
        {
            // Its state is unknown: never reused.
            hmac.Dispose();
            throw;
        }

        ReturnHmac(hmac);
    }

    /// <summary>A keyed HMAC instance with nothing appended, from this secret's pool (or new when all are in use).</summary>
    internal IncrementalHash RentHmac()
    {
        // The slot to start from spreads threads over the pool; a miss (every instance in use) creates one more.
        var start = (uint)Environment.CurrentManagedThreadId % (uint)_hmacs.Length;
        for (var i = 0u; i < _hmacs.Length; i++)
        {
            if (Interlocked.Exchange(ref _hmacs[(start + i) % _hmacs.Length], null) is { } hmac)
            {
                return hmac;
            }
        }

        return IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
    }

    /// <summary>Gives back an instance from <see cref="RentHmac"/>; it must have been reset (its hash taken) since its last append.</summary>
    internal void ReturnHmac(IncrementalHash hmac)
    {
        var start = (uint)Environment.CurrentManagedThreadId % (uint)_hmacs.Length;
        for (var i = 0u; i < _hmacs.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _hmacs[(start + i) % _hmacs.Length], hmac, null) is null)
            {
                return;
            }
        }

        hmac.Dispose();
    }

    /// <summary>The fingerprint of a secret given as text.</summary>
    public static string ComputeFingerprint(string secret) => ComputeFingerprint(Encoding.UTF8.GetBytes(secret));

    /// <inheritdoc />
    public override string ToString() => $"secret {Fingerprint}";

    private static string ComputeFingerprint(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return Hex.ToLower(hash[..4]);
    }
}
