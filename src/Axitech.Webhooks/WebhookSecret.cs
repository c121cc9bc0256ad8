using System.Security.Cryptography;
using System.Text;

namespace Axitech.Webhooks;

/// <summary>
/// One webhook secret, held as the UTF-8 bytes the HMAC key is made of. <see cref="ToString"/> never reveals it.
/// </summary>
public sealed class WebhookSecret
{
    private readonly byte[] _key;

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

    /// <summary>The fingerprint of a secret given as text.</summary>
    public static string ComputeFingerprint(string secret) => ComputeFingerprint(Encoding.UTF8.GetBytes(secret));

    /// <inheritdoc />
    public override string ToString() => $"secret {Fingerprint}";

    private static string ComputeFingerprint(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
