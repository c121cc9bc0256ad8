using System.Buffers;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The verified body, replayed to the forwarder from the pooled buffer it was read into: the same bytes that were
/// verified are the bytes sent upstream. <see cref="BufferedBodyContent"/> sends it whole as the forwarded request's
/// content; read as a stream, it serves any forwarder that reads the request body itself.
/// </summary>
/// <remarks>
/// The stream owns the buffer until <see cref="Release"/>, called once the forwarder is done with the request; the
/// buffer then goes back to its pool, at once or, while <see cref="BufferedBodyContent"/> is still sending it, when that
/// send ends. (The send can outlive the forwarder's call: its last write's completion may run after the upstream's
/// answer has been handled, and an HTTP/2 upstream may answer before the body is sent.) Once released,
/// nothing can read or send these bytes again. A body that is never released (after a forwarding error) is left to
/// the collector.
/// </remarks>
internal sealed class BufferedBodyStream : Stream
{
    private const int Idle = 0;
    private const int Sending = 1;
    private const int Released = 2;

    /// <summary>Released while a send was under way: the send's end returns the buffer.</summary>
    private const int SendingReleased = 3;

    private readonly byte[] _buffer;
    private readonly ArrayPool<byte> _pool;
    private readonly int _start;
    private readonly int _end;
    private int _position;
    private int _state;

    public BufferedBodyStream(byte[] buffer, int start, int length, ArrayPool<byte> pool)
    {
        _buffer = buffer;
        _pool = pool;
        _start = start;
        _end = start + length;
        _position = start;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _end - _start;

    public override long Position
    {
        get => _position - _start;
        set => throw new NotSupportedException();
    }

    private bool IsReleased => Volatile.Read(ref _state) is Released or SendingReleased;

    /// <summary>The whole verified body, whatever has been read of it as a stream.</summary>
    public ReadOnlyMemory<byte> Body => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Marks the body as being sent; throws once it has been released (or while another send is under way).</summary>
    public void BeginSend()
    {
        if (Interlocked.CompareExchange(ref _state, Sending, Idle) != Idle)
        {
            throw new InvalidOperationException("The verified body was released to its pool, or is being sent already.");
        }
    }

    /// <summary>Marks the send as over; returns the buffer to its pool if the body was released meanwhile.</summary>
    public void EndSend()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Sending) == SendingReleased)
        {
            Volatile.Write(ref _state, Released);
            _pool.Return(_buffer);
        }
    }

    /// <summary>
    /// Ends the body's use: the buffer goes back to its pool now, or when the send under way ends. Returns whether it
    /// went back now. Call once.
    /// </summary>
    public bool Release()
    {
        var state = Volatile.Read(ref _state);
        while (true)
        {
            var next = state switch
            {
                Idle => Released,
                Sending => SendingReleased,
                _ => throw new InvalidOperationException("The verified body was released already."),
            };
            var seen = Interlocked.CompareExchange(ref _state, next, state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        if (state == Idle)
        {
            _pool.Return(_buffer);
            return true;
        }

        return false;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsReleased, this);
        var count = Math.Min(buffer.Length, _end - _position);
        _buffer.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsReleased, this);
        var start = _position;
        _position = _end;
        await destination.WriteAsync(_buffer.AsMemory(start, _end - start), cancellationToken).ConfigureAwait(false);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
