namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The verified body, replayed to the forwarder from the pooled buffer it was read into: the same bytes that were
/// verified are the bytes sent upstream. <see cref="BufferedBodyContent"/> sends it whole as the forwarded request's
/// content; read as a stream, it serves any forwarder that reads the request body itself.
/// </summary>
/// <remarks>
/// The buffer goes back to the pool once the request is done, but only after <see cref="TryRelease"/>: that fails
/// while <see cref="BufferedBodyContent"/> is still sending it (an HTTP/2 upstream may answer before the body is sent,
/// and the send can outlive the forwarder's call), and after it nothing can read or send these bytes again.
/// </remarks>
internal sealed class BufferedBodyStream : Stream
{
    private const int Idle = 0;
    private const int Sending = 1;
    private const int Released = 2;

    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly int _end;
    private int _position;
    private int _state;

    public BufferedBodyStream(byte[] buffer, int start, int length)
    {
        _buffer = buffer;
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

    public void EndSend() => Volatile.Write(ref _state, Idle);

    /// <summary>
    /// Ends the body's use: true when the buffer may go back to its pool, false while a send is still under way (the
    /// buffer is then left to the collector).
    /// </summary>
    public bool TryRelease() => Interlocked.CompareExchange(ref _state, Released, Idle) == Idle;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Released, this);
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
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Released, this);
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
