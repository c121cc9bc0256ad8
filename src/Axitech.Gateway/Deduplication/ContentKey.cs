using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The content key of a delivery: SHA-256 over the JSON values at the policy's paths. Used only on policies that ask
/// for it (<c>Deduplication:Key</c>), so no other route ever parses a body.
/// </summary>
internal static class ContentKey
{
    /// <summary>
    /// Hashes the values at <paramref name="paths"/> into <paramref name="destination"/> (32 bytes). A JSON body without
    /// one of the paths is <see cref="ContentKeyResult.MissingPath"/> (the caller keys it on its signature, which still
    /// stops replays); a body that is not JSON is <see cref="ContentKeyResult.NotJson"/>.
    /// </summary>
    public static ContentKeyResult Compute(ReadOnlyMemory<byte> body, string[][] paths, Span<byte> destination)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[4];
            foreach (var path in paths)
            {
                var element = document.RootElement;
                foreach (var segment in path)
                {
                    if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
                    {
                        return ContentKeyResult.MissingPath;
                    }
                }

                // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
                var value = Encoding.UTF8.GetBytes(element.GetRawText());
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
                hash.AppendData(length);
                hash.AppendData(value);
            }

            return hash.TryGetHashAndReset(destination, out _) ? ContentKeyResult.Computed : ContentKeyResult.MissingPath;
        }
        catch (JsonException)
        {
            return ContentKeyResult.NotJson;
        }
    }
}

/// <summary>What <see cref="ContentKey.Compute"/> found.</summary>
internal enum ContentKeyResult
{
    Computed,
    MissingPath,
    NotJson,
}
