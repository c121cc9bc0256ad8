using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare TCP socket, for the requests HttpClient refuses to send: duplicated or conflicting framing
/// headers, obs-fold, bare LF, non-ASCII bytes, truncated bodies, dot segments. The bytes go out exactly as given.
/// </summary>
public static class RawHttpClient
{
    private static readonly TimeSpan _defaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Connects to the loopback <paramref name="port"/> (from <paramref name="localAddress"/> when given), writes
    /// <paramref name="parts"/> one after the other with <paramref name="pause"/> between them, optionally half-closes
    /// (FIN, as a client that gives up sending does), and reads the first final response, then waits
    /// <paramref name="linger"/> to see whether the server closes the connection or sends anything more.
    /// </summary>
    public static async Task<RawHttpResponse> SendAsync(
        int port,
        IReadOnlyList<byte[]> parts,
        bool halfClose = false,
        TimeSpan? pause = null,
        TimeSpan? timeout = null,
        TimeSpan? linger = null,
        IPAddress? localAddress = null,
        bool headRequest = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        using var cts = new CancellationTokenSource(timeout ?? _defaultTimeout);
        var reader = new Reader(socket);
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                if (i > 0 && pause is { } delay)
                {
                    await Task.Delay(delay, cts.Token);
                }

                await socket.SendAsync(parts[i], SocketFlags.None, cts.Token);
            }

            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The server may close while we still write (it refused the headers already): read what it said.
        }

        RawHttpResponse response;
        try
        {
            response = await reader.ReadResponseAsync(headRequest, cts.Token);
        }
        catch (OperationCanceledException)
        {
            return RawHttpResponse.None(connectionClosed: false);
        }

        var (closed, trailing) = await reader.LingerAsync(linger ?? TimeSpan.FromMilliseconds(response.Header("Connection") == "close" ? 2000 : 150));
        return response with { ConnectionClosed = closed, Trailing = trailing };
    }

    public static Task<RawHttpResponse> SendAsync(int port, byte[] request, bool halfClose = false, TimeSpan? timeout = null, IPAddress? localAddress = null)
        => SendAsync(port, [request], halfClose, timeout: timeout, localAddress: localAddress);

    /// <summary>Reads responses off a socket, byte-buffered.</summary>
    private sealed class Reader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;
        private bool _eof;

        public async Task<RawHttpResponse> ReadResponseAsync(bool headRequest, CancellationToken cancellationToken)
        {
            while (true)
            {
                var statusLine = await ReadLineAsync(cancellationToken);
                if (statusLine is null)
                {
                    return RawHttpResponse.None(connectionClosed: true);
                }

                var headers = new List<KeyValuePair<string, string>>();
                while (await ReadLineAsync(cancellationToken) is { Length: > 0 } line)
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
                }

                var parts = statusLine.Split(' ', 3);
                var status = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                if (status is >= 100 and < 200)
                {
                    continue;
                }

                var response = new RawHttpResponse(status, statusLine, headers, [], false, []);
                byte[] body;
                if (headRequest || status is 204 or 304)
                {
                    body = [];
                }
                else if (response.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
                {
                    body = await ReadChunkedAsync(cancellationToken);
                }
                else if (response.Header("Content-Length") is { } length)
                {
                    body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                }
                else
                {
                    body = await ReadToEndAsync(cancellationToken);
                }

                return response with { Body = body };
            }
        }

        /// <summary>Waits a moment: did the server close the connection (or reset it), and did it send anything more?</summary>
        public async Task<(bool Closed, byte[] Trailing)> LingerAsync(TimeSpan wait)
        {
            using var cts = new CancellationTokenSource(wait);
            var trailing = new MemoryStream();
            trailing.Write(_buffer, _start, _end - _start);
            _start = _end;
            try
            {
                while (!_eof)
                {
                    var read = await socket.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
                    if (read == 0)
                    {
                        return (true, trailing.ToArray());
                    }

                    trailing.Write(_buffer, 0, read);
                }

                return (true, trailing.ToArray());
            }
            catch (OperationCanceledException)
            {
                return (false, trailing.ToArray());
            }
            catch (SocketException)
            {
                return (true, trailing.ToArray());
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_eof)
            {
                return false;
            }

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }

            int read;
            try
            {
                read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                read = 0;
            }

            if (read == 0)
            {
                _eof = true;
                return false;
            }

            _end += read;
            return true;
        }

        private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var index = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (index >= 0)
                {
                    var line = Encoding.Latin1.GetString(_buffer, _start, index - _start).TrimEnd('\r');
                    _start = index + 1;
                    return line;
                }

                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            var result = new MemoryStream();
            while (result.Length < count)
            {
                if (_start == _end && !await FillAsync(cancellationToken))
                {
                    break;
                }

                var take = (int)Math.Min(count - result.Length, _end - _start);
                result.Write(_buffer, _start, take);
                _start += take;
            }

            return result.ToArray();
        }

        private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
        {
            var result = new MemoryStream();
            while (await ReadLineAsync(cancellationToken) is { } sizeLine)
            {
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    while (await ReadLineAsync(cancellationToken) is { Length: > 0 })
                    {
                    }

                    break;
                }

                result.Write(await ReadExactlyAsync(size, cancellationToken));
                _ = await ReadLineAsync(cancellationToken);
            }

            return result.ToArray();
        }

        private async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
        {
            var result = new MemoryStream();
            do
            {
                result.Write(_buffer, _start, _end - _start);
                _start = _end;
            }
            while (await FillAsync(cancellationToken));

            return result.ToArray();
        }
    }
}
