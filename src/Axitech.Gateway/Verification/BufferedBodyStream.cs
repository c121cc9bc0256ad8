namespace Axitech.Gateway.Verification;

/// <summary>
/// The verified body, replayed to the forwarder from the pooled buffer it was read into: the same bytes that were
/// verified are the bytes sent upstream.
/// </summary>
internal sealed class BufferedBodyStream : Stream
{
    private readonly byte[] _buffer;
    private readonly int _start;
    private readonly int _end;
    private int _position;

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

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
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
