using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Encryption of bodies at rest with AES-256-GCM. An encrypted body is stored as
/// <c>version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)</c>, with a fresh random
/// nonce per body. The associated data binds it to its row (the header, the delivery id and the route), so a body moved
/// to another row fails authentication instead of being delivered under the other row's headers. The key id is the first
/// 4 bytes of the key's SHA-256, so decryption picks the key directly and a retired key is named by its id, not its value.
/// </summary>
internal sealed class BodyProtector
{
    public const byte FormatVersion = 1;
    public const int KeySize = 32;
    private const int KeyIdSize = 4;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + KeyIdSize;
    private const int Overhead = HeaderSize + NonceSize + TagSize;

    // Key ids are compared as integers; the first key encrypts.
    private readonly (uint Id, byte[] Key)[] _keys;

    private BodyProtector((uint Id, byte[] Key)[] keys) => _keys = keys;

    /// <summary>Bodies stored in the clear; an encrypted body cannot be read.</summary>
    public static BodyProtector None { get; } = new([]);

    /// <summary>Whether new bodies are encrypted.</summary>
    public bool Encrypts => _keys.Length > 0;

    /// <summary>The configured keys, as base64 of 32 bytes each (validated beforehand: an invalid one is an <see cref="ArgumentException"/> without its value).</summary>
    public static BodyProtector Create(IReadOnlyList<string>? base64Keys)
    {
        if (base64Keys is null || base64Keys.Count == 0)
        {
            return None;
        }

        var keys = new List<(uint, byte[])>(base64Keys.Count);
        for (var i = 0; i < base64Keys.Count; i++)
        {
            if (TryParseKey(base64Keys[i], out var key) != EncryptionKeyProblem.None)
            {
                throw new ArgumentException($"{DeliveryQueueOptions.SectionName}:EncryptionKeys:{i.ToString(CultureInfo.InvariantCulture)} is not the base64 of 32 bytes.", nameof(base64Keys));
            }

            keys.Add((KeyIdOf(key), key));
        }

        return new BodyProtector([.. keys]);
    }

    public static EncryptionKeyProblem TryParseKey(string? base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(base64))
        {
            return EncryptionKeyProblem.Empty;
        }

        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            return EncryptionKeyProblem.NotBase64;
        }

        return key.Length == KeySize ? EncryptionKeyProblem.None : EncryptionKeyProblem.WrongLength;
    }

    /// <summary>A key's id as 8 hex digits: the first 4 bytes of its SHA-256. Safe to log; it reveals nothing of the key.</summary>
    public static string ComputeKeyId(ReadOnlySpan<byte> key) => KeyIdOf(key).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>Encrypts <paramref name="body"/> for the row (<paramref name="id"/>, <paramref name="route"/>) with the first key.</summary>
    public byte[] Protect(ReadOnlySpan<byte> body, Guid id, string route)
    {
        if (!Encrypts)
        {
            throw new InvalidOperationException("No encryption key is configured.");
        }

        var (keyId, key) = _keys[0];
        var stored = new byte[Overhead + body.Length];
        stored[0] = FormatVersion;
        BinaryPrimitives.WriteUInt32BigEndian(stored.AsSpan(1, KeyIdSize), keyId);
        var nonce = stored.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = stored.AsSpan(HeaderSize + NonceSize, body.Length);
        var tag = stored.AsSpan(HeaderSize + NonceSize + body.Length, TagSize);

        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, body, ciphertext, tag, AssociatedData(stored.AsSpan(0, HeaderSize), id, route));
        return stored;
    }

    /// <summary>
    /// Decrypts a stored body of the row (<paramref name="id"/>, <paramref name="route"/>): the body, or null and a
    /// message saying why it cannot be read (its key is not configured, or it was altered or moved from another row).
    /// </summary>
    public byte[]? Unprotect(ReadOnlySpan<byte> stored, Guid id, string route, out string? error)
    {
        error = null;
        if (stored.Length < Overhead || stored[0] != FormatVersion)
        {
            error = "The stored body is not in a format this gateway reads (encryption format version 1).";
            return null;
        }

        var keyId = BinaryPrimitives.ReadUInt32BigEndian(stored.Slice(1, KeyIdSize));
        var key = Array.Find(_keys, k => k.Id == keyId).Key;
        if (key is null)
        {
            error = $"The body was encrypted with key {keyId.ToString("x8", CultureInfo.InvariantCulture)}, which is not among {DeliveryQueueOptions.SectionName}:EncryptionKeys: add that key back to read it.";
            return null;
        }

        var length = stored.Length - Overhead;
        var body = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(
                stored.Slice(HeaderSize, NonceSize),
                stored.Slice(HeaderSize + NonceSize, length),
                stored.Slice(HeaderSize + NonceSize + length, TagSize),
                body,
                AssociatedData(stored[..HeaderSize], id, route));
        }
        catch (AuthenticationTagMismatchException)
        {
            error = "The stored body failed authentication: it was altered, or it belongs to another delivery.";
            return null;
        }

        return body;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, Guid id, string route)
    {
        var data = new byte[HeaderSize + 16 + Encoding.UTF8.GetByteCount(route)];
        header.CopyTo(data);
        id.TryWriteBytes(data.AsSpan(HeaderSize, 16), bigEndian: true, out _);
        Encoding.UTF8.GetBytes(route, data.AsSpan(HeaderSize + 16));
        return data;
    }

    private static uint KeyIdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }
}
