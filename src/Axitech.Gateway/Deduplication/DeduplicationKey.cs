using System.Buffers.Binary;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// What identifies a delivery within a policy: 32 bytes, the verified signature or a hash of the content key.
/// </summary>
internal readonly record struct DeduplicationKey(string Policy, ulong H0, ulong H1, ulong H2, ulong H3)
{
    public static DeduplicationKey Create(string policy, ReadOnlySpan<byte> hash)
        => new(
            policy,
            BinaryPrimitives.ReadUInt64BigEndian(hash),
            BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    /// <summary>The key's hash as lower-case hex (64 characters), as used in Redis keys.</summary>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, H0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], H1);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], H2);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], H3);
        return Convert.ToHexStringLower(bytes);
    }
}
