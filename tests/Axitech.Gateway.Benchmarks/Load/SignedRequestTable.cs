using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Issue 6, target 4: every request of the load is a distinct delivery, or the duplicate store would turn the
/// benchmark into a cache test. A table gives each request its own target (<c>?n=</c> a counter that never repeats in
/// a run), a fresh millisecond timestamp and the signature over them and the shared body; wrk replays it row by row,
/// one file per wrk thread.
/// </summary>
/// <remarks>
/// Signed here with <see cref="IncrementalHash"/> straight from the scheme's definition, not with the gateway's own
/// code: a delivery the gateway rejected would show as a non-2xx count and a short upstream count.
/// </remarks>
internal sealed class SignedRequestTable
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(LoadHost.Secret);
    private readonly byte[] _body;
    private long _nextId;

    public SignedRequestTable(byte[] body) => _body = body;

    /// <summary>Writes <paramref name="rowsPerThread"/> fresh rows for each of <paramref name="threads"/> wrk threads, to <c>{pathPrefix}.{thread}</c>.</summary>
    public void Write(string pathPrefix, int threads, int rowsPerThread, DateTimeOffset timestampOfRows)
    {
        var firstId = _nextId;
        _nextId += (long)threads * rowsPerThread;
        var timestamp = timestampOfRows.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        Parallel.For(0, threads, thread =>
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            using var writer = new StreamWriter(
                $"{pathPrefix}.{thread.ToString(CultureInfo.InvariantCulture)}",
                append: false,
                new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                bufferSize: 1 << 16);
            for (var row = 0; row < rowsPerThread; row++)
            {
                var target = string.Create(CultureInfo.InvariantCulture, $"{LoadHost.RoutePath}?n={firstId + ((long)thread * rowsPerThread) + row}");
                writer.Write(timestamp);
                writer.Write(' ');
                writer.Write(Sign(hmac, target, timestamp, _body));
                writer.Write(' ');
                writer.Write(target);
                writer.Write('\n');
            }
        });
    }

    /// <summary>The signature of one delivery of this table's body (for the smoke test).</summary>
    public string Sign(string target, string timestamp, byte[]? body = null)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        return Sign(hmac, target, timestamp, body ?? _body);
    }

    /// <summary>Lower-case hex HMAC-SHA256 over UTF-8(METHOD + target + timestamp) followed by the body.</summary>
    private static string Sign(IncrementalHash hmac, string target, string timestamp, byte[] body)
    {
        hmac.AppendData(Encoding.UTF8.GetBytes("POST" + target + timestamp));
        hmac.AppendData(body);
        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }
}
