using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// A loopback HTTP/1.1 listener that answers one request with 200 and keeps it as received: the request line as raw
/// bytes (what Kestrel's RawTarget would be made of), the headers and the body. No HTTP stack in between to reject or
/// repair a malformed request line.
/// </summary>
public sealed class RecordingListener : IDisposable
{
    private static readonly byte[] _headEnd = "\r\n\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public RecordingListener()
    {
        _listener.Start();
        Received = AcceptOneAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The first request, once it has fully arrived.</summary>
    public Task<RecordedRequest> Received { get; }

    public void Dispose() => _listener.Stop();

    private async Task<RecordedRequest> AcceptOneAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var received = new List<byte>();
        var buffer = new byte[8192];
        int headLength;
        while ((headLength = IndexOf(received, _headEnd)) < 0)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new IOException($"The connection closed before the end of the request head: {Encoding.Latin1.GetString([.. received])}");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        var head = received.GetRange(0, headLength).ToArray();
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var bodyLength = headers.TryGetValue("Content-Length", out var length) ? int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var bodyStart = headLength + _headEnd.Length;
        while (received.Count - bodyStart < bodyLength)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new IOException("The connection closed before the end of the body.");
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        var requestLineEnd = Array.IndexOf(head, (byte)'\r');
        return new RecordedRequest(
            head[..(requestLineEnd < 0 ? head.Length : requestLineEnd)],
            headers,
            received.GetRange(bodyStart, bodyLength).ToArray());
    }

    private static int IndexOf(List<byte> bytes, byte[] value)
    {
        for (var i = 0; i <= bytes.Count - value.Length; i++)
        {
            if (bytes.GetRange(i, value.Length).SequenceEqual(value))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>One request as a <see cref="RecordingListener"/> received it.</summary>
public sealed record RecordedRequest(byte[] RequestLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The request line's bytes as text, one character per byte (a NUL or a UTF-8 byte stays visible).</summary>
    public string RequestLineText => Encoding.Latin1.GetString(RequestLine);

    /// <summary>The target: what is between the request line's two spaces.</summary>
    public string Target => RequestLineText.Split(' ') is [_, var target, _] ? target : throw new InvalidDataException($"Not a request line of three parts: '{RequestLineText}'.");
}
