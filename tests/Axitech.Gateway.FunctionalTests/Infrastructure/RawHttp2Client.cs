using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// HTTP/2 with prior knowledge (h2c) over a bare TCP socket, frame by frame, for what HttpClient never sends:
/// upper-case or connection-specific header fields, a content-length the DATA frames contradict, a stream the client
/// abandons mid-body. Header blocks are HPACK literals without indexing or Huffman coding (RFC 7541 §6.2.2), which
/// every decoder must accept; only <c>:status</c> and the body are read back.
/// </summary>
public static class RawHttp2Client
{
    public const int Data = 0x0;
    public const int HeadersType = 0x1;
    public const int RstStream = 0x3;
    public const int Settings = 0x4;
    public const int GoAway = 0x7;
    public const byte EndStream = 0x1;
    public const byte EndHeaders = 0x4;

    private static readonly byte[] _preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    // RFC 7541 Appendix A static table entries 8 to 14 are ":status" with these values.
    private static readonly int[] _staticStatuses = [200, 204, 206, 304, 400, 404, 500];

    /// <summary>The request of a delivery on stream 1, as HEADERS (with the given fields) and one DATA frame.</summary>
    public static IReadOnlyList<byte[]> Request(int port, SignedRequest delivery, Func<List<(string Name, string Value)>, List<(string Name, string Value)>>? edit = null, byte[]? data = null, bool endStream = true)
    {
        var fields = new List<(string Name, string Value)>
        {
            (":method", delivery.Method),
            (":scheme", "http"),
            (":authority", $"127.0.0.1:{port}"),
            (":path", delivery.Target),
            ("x-aw-signature", delivery.Signature),
            ("x-aw-timestamp", delivery.Timestamp),
            ("content-type", "application/json"),
            ("content-length", delivery.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        fields = edit?.Invoke(fields) ?? fields;
        return [HeadersFrame(1, fields, endStream: false), DataFrame(1, data ?? delivery.Body, endStream)];
    }

    public static byte[] Frame(int type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = (byte)type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] HeadersFrame(int streamId, IEnumerable<(string Name, string Value)> fields, bool endStream)
    {
        var block = new MemoryStream();
        foreach (var (name, value) in fields)
        {
            // Literal header field without indexing, new name (RFC 7541 §6.2.2): 0x00, name, value.
            block.WriteByte(0);
            WriteString(block, name);
            WriteString(block, value);
        }

        return Frame(HeadersType, (byte)(EndHeaders | (endStream ? EndStream : 0)), streamId, block.ToArray());
    }

    public static byte[] DataFrame(int streamId, byte[] data, bool endStream) => Frame(Data, endStream ? EndStream : (byte)0, streamId, data);

    public static byte[] RstStreamFrame(int streamId, int errorCode)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, errorCode);
        return Frame(RstStream, 0, streamId, payload);
    }

    /// <summary>
    /// Sends the connection preface (unless <paramref name="preface"/> is false), an empty SETTINGS frame and then
    /// <paramref name="frames"/>, and follows stream 1 until it ends, is reset, or the connection goes away.
    /// </summary>
    public static async Task<Http2Outcome> SendAsync(int port, IReadOnlyList<byte[]> frames, bool preface = true, TimeSpan? timeout = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            if (preface)
            {
                await stream.WriteAsync(_preface, cts.Token);
                await stream.WriteAsync(Frame(Settings, 0, 0, []), cts.Token);
            }

            foreach (var frame in frames)
            {
                await stream.WriteAsync(frame, cts.Token);
            }
        }
        catch (IOException)
        {
            // Already refused: read what the server said.
        }

        var status = 0;
        var body = new MemoryStream();
        var header = new byte[9];
        try
        {
            while (true)
            {
                if (!await ReadExactlyAsync(stream, header, cts.Token))
                {
                    return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: true);
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
                var payload = new byte[length];
                if (!await ReadExactlyAsync(stream, payload, cts.Token))
                {
                    return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: true);
                }

                switch (type)
                {
                    case Settings when (flags & 0x1) == 0:
                        await stream.WriteAsync(Frame(Settings, 0x1, 0, []), cts.Token);
                        break;
                    case GoAway:
                        return new Http2Outcome(status, Reason(body), null, BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4)), ConnectionClosed: true);
                    case RstStream when streamId == 1:
                        return new Http2Outcome(status, Reason(body), BinaryPrimitives.ReadInt32BigEndian(payload), null, ConnectionClosed: false);
                    case HeadersType when streamId == 1:
                        status = status == 0 ? DecodeStatus(payload, flags) : status;
                        if ((flags & EndStream) != 0)
                        {
                            return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: false);
                        }

                        break;
                    case Data when streamId == 1:
                        body.Write(payload);
                        if ((flags & EndStream) != 0)
                        {
                            return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: false);
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: false);
        }
        catch (IOException)
        {
            return new Http2Outcome(status, Reason(body), null, null, ConnectionClosed: true);
        }
    }

    private static string? Reason(MemoryStream body)
    {
        try
        {
            return body.Length > 0 ? RawHttpResponse.ReasonOf("application/problem+json", body.ToArray()) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static void WriteString(Stream block, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInteger(block, bytes.Length, prefixBits: 7, firstByte: 0);
        block.Write(bytes);
    }

    private static void WriteInteger(Stream block, int value, int prefixBits, byte firstByte)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.WriteByte((byte)(firstByte | value));
            return;
        }

        block.WriteByte((byte)(firstByte | max));
        value -= max;
        while (value >= 128)
        {
            block.WriteByte((byte)((value % 128) + 128));
            value /= 128;
        }

        block.WriteByte((byte)value);
    }

    /// <summary>Reads <c>:status</c>, which servers send first in a response header block.</summary>
    public static int DecodeStatus(byte[] payload, byte flags)
    {
        var offset = 0;
        if ((flags & 0x8) != 0)
        {
            offset++; // PADDED: pad length.
        }

        if ((flags & 0x20) != 0)
        {
            offset += 5; // PRIORITY.
        }

        var first = payload[offset];
        int nameIndex;
        if ((first & 0x80) != 0)
        {
            return (first & 0x7f) is >= 8 and <= 14 ? _staticStatuses[(first & 0x7f) - 8] : -1;
        }
        else if ((first & 0xc0) == 0x40)
        {
            nameIndex = first & 0x3f;
        }
        else
        {
            nameIndex = first & 0x0f;
        }

        if (nameIndex is < 8 or > 14)
        {
            return -1;
        }

        var lengthByte = payload[offset + 1];
        var value = payload.AsSpan(offset + 2, lengthByte & 0x7f);
        var text = (lengthByte & 0x80) == 0 ? Encoding.ASCII.GetString(value) : HuffmanDigits(value);
        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Huffman-decodes a string of digits (RFC 7541 Appendix B: '0'-'2' have 5-bit codes, '3'-'9' 6-bit codes).</summary>
    private static string HuffmanDigits(ReadOnlySpan<byte> value)
    {
        var bits = string.Concat(value.ToArray().Select(b => Convert.ToString(b, 2).PadLeft(8, '0')));
        var text = new StringBuilder();
        var position = 0;
        while (position + 5 <= bits.Length)
        {
            var five = Convert.ToInt32(bits.Substring(position, 5), 2);
            if (five <= 2)
            {
                text.Append((char)('0' + five));
                position += 5;
            }
            else if (position + 6 <= bits.Length && Convert.ToInt32(bits.Substring(position, 6), 2) is >= 0b011001 and <= 0b011111 and var six)
            {
                text.Append((char)('3' + six - 0b011001));
                position += 6;
            }
            else
            {
                break; // Padding (all ones).
            }
        }

        return text.ToString();
    }
}
