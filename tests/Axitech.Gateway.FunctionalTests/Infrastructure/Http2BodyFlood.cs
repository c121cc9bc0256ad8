using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// One h2c connection that opens <c>streams</c> requests with the same headers and sends each body as fast as HTTP/2
/// flow control allows, up to <c>bytesPerStream</c> (one byte short of the declared length, when the test wants the
/// body never to end): it follows the server's SETTINGS and WINDOW_UPDATEs, stops a stream the server answered or
/// reset, and records the status each stream was answered with.
/// </summary>
public sealed class Http2BodyFlood : IAsyncDisposable
{
    private const int SettingsInitialWindowSize = 0x4;
    private const int WindowUpdate = 0x8;
    private const int FrameSize = 16384;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _windowChanged = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, long> _windows = new();
    private readonly ConcurrentDictionary<int, bool> _closed = new();
    private long _connectionWindow = 65535;
    private long _initialStreamWindow = 65535;
    private Task _reader = Task.CompletedTask;
    private Task _writer = Task.CompletedTask;

    private Http2BodyFlood(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>The status each stream was answered with (stream id → status).</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    /// <summary>Body bytes sent, all streams together.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    private long _bytesSent;

    public static async Task<Http2BodyFlood> StartAsync(
        int port, IPAddress from, int streams, IReadOnlyList<(string Name, string Value)> fields, long contentLength, long bytesPerStream)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var flood = new Http2BodyFlood(socket);
        await flood.WriteAsync([.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. RawHttp2Client.Frame(RawHttp2Client.Settings, 0, 0, [])]);
        flood._reader = Task.Run(flood.ReadLoopAsync);
        var ids = Enumerable.Range(0, streams).Select(i => (2 * i) + 1).ToArray();
        var headers = new List<byte>();
        List<(string Name, string Value)> all = [.. fields, ("content-length", contentLength.ToString(CultureInfo.InvariantCulture))];
        foreach (var id in ids)
        {
            headers.AddRange(RawHttp2Client.HeadersFrame(id, all, endStream: false));
        }

        await flood.WriteAsync([.. headers]);
        flood._writer = Task.Run(() => flood.WriteLoopAsync(ids, bytesPerStream));
        return flood;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await Task.WhenAll(_reader, _writer);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }

        _stream.Dispose();
        _writeLock.Dispose();
        _windowChanged.Dispose();
        _stop.Dispose();
    }

    private async Task WriteLoopAsync(int[] ids, long bytesPerStream)
    {
        var sent = ids.ToDictionary(id => id, _ => 0L);
        var chunk = new byte[FrameSize];
        while (!_stop.IsCancellationRequested)
        {
            var progressed = false;
            var pending = false;
            foreach (var id in ids)
            {
                if (_closed.ContainsKey(id) || sent[id] >= bytesPerStream)
                {
                    continue;
                }

                pending = true;
                var window = _windows.GetOrAdd(id, _ => Interlocked.Read(ref _initialStreamWindow));
                var size = (int)Math.Min(Math.Min(FrameSize, bytesPerStream - sent[id]), Math.Min(window, Interlocked.Read(ref _connectionWindow)));
                if (size <= 0)
                {
                    continue;
                }

                _windows.AddOrUpdate(id, _ => -size, (_, w) => w - size);
                Interlocked.Add(ref _connectionWindow, -size);
                await WriteAsync(RawHttp2Client.Frame(RawHttp2Client.Data, 0, id, chunk.AsSpan(0, size)));
                sent[id] += size;
                Interlocked.Add(ref _bytesSent, size);
                progressed = true;
            }

            if (!pending)
            {
                return;
            }

            if (!progressed)
            {
                await _windowChanged.WaitAsync(TimeSpan.FromMilliseconds(200), _stop.Token);
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        while (!_stop.IsCancellationRequested)
        {
            await _stream.ReadExactlyAsync(header, _stop.Token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            var id = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, _stop.Token);
            switch (type)
            {
                case RawHttp2Client.Settings when (flags & 0x1) == 0:
                    for (var i = 0; i + 6 <= payload.Length; i += 6)
                    {
                        if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == SettingsInitialWindowSize)
                        {
                            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
                            var delta = value - Interlocked.Exchange(ref _initialStreamWindow, value);
                            foreach (var stream in _windows.Keys)
                            {
                                _windows.AddOrUpdate(stream, _ => value, (_, w) => w + delta);
                            }
                        }
                    }

                    await WriteAsync(RawHttp2Client.Frame(RawHttp2Client.Settings, 0x1, 0, []));
                    break;
                case WindowUpdate:
                    var increment = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
                    if (id == 0)
                    {
                        Interlocked.Add(ref _connectionWindow, increment);
                    }
                    else
                    {
                        _windows.AddOrUpdate(id, _ => Interlocked.Read(ref _initialStreamWindow) + increment, (_, w) => w + increment);
                    }

                    _windowChanged.Release();
                    break;
                case RawHttp2Client.HeadersType:
                    Statuses.TryAdd(id, RawHttp2Client.DecodeStatus(payload, flags));
                    if ((flags & RawHttp2Client.EndStream) != 0)
                    {
                        _closed[id] = true;
                    }

                    break;
                case RawHttp2Client.Data when (flags & RawHttp2Client.EndStream) != 0:
                case RawHttp2Client.RstStream:
                    _closed[id] = true;
                    break;
                case RawHttp2Client.GoAway:
                    return;
            }
        }
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync(_stop.Token);
        try
        {
            await _stream.WriteAsync(bytes, _stop.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
