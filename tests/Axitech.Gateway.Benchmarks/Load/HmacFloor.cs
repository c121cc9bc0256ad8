using System.Diagnostics;
using System.Security.Cryptography;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Issue 6's floor for verification, measured in this process while no load runs: a one-shot
/// <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> over a signed message of the
/// body's size and a typical prefix. Whatever else the gateway does, it cannot cost less than this per request.
/// </summary>
internal static class HmacFloor
{
    private const int PrefixBytes = 80;

    /// <summary>The median over 41 blocks of about 20 ms each, in microseconds per HMAC.</summary>
    public static double MeasureMicroseconds(int bodyBytes)
    {
        var message = new byte[PrefixBytes + bodyBytes];
        var key = new byte[32];
        RandomNumberGenerator.Fill(message);
        RandomNumberGenerator.Fill(key);
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var perBlock = Math.Max(1, (int)(20_000_000L / (message.Length + 2_000)));
        for (var i = 0; i < perBlock; i++)
        {
            HMACSHA256.HashData(key, message, hash);
        }

        var blocks = new double[41];
        for (var block = 0; block < blocks.Length; block++)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < perBlock; i++)
            {
                HMACSHA256.HashData(key, message, hash);
            }

            blocks[block] = Stopwatch.GetElapsedTime(started).TotalMicroseconds / perBlock;
        }

        return Statistics.Median(blocks);
    }
}
