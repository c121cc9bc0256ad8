namespace Axitech.Webhooks;

/// <summary>
/// Hex conversions the scheme needs, on both target frameworks: .NET 9 added <c>Convert.ToHexStringLower</c> and the
/// span overload of <c>Convert.FromHexString</c> that reports what it consumed; .NET 8 has neither.
/// </summary>
internal static class Hex
{
    public static string ToLower(ReadOnlySpan<byte> bytes)
    {
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(bytes);
#else
        return Convert.ToHexString(bytes).ToLowerInvariant();
#endif
    }

    /// <summary>Decodes exactly <paramref name="destination"/>'s length in bytes from twice as many hex characters, upper- or lower-case.</summary>
    public static bool TryDecode(ReadOnlySpan<char> hex, Span<byte> destination)
    {
        if (hex.Length != destination.Length * 2)
        {
            return false;
        }

#if NET9_0_OR_GREATER
        return Convert.FromHexString(hex, destination, out var consumed, out var written) == System.Buffers.OperationStatus.Done
            && consumed == hex.Length
            && written == destination.Length;
#else
        for (var i = 0; i < destination.Length; i++)
        {
            var high = Nibble(hex[2 * i]);
            var low = Nibble(hex[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
#endif
    }

#if !NET9_0_OR_GREATER
    private static int Nibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
#endif
}
