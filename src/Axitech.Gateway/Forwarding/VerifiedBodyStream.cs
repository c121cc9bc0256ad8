using Axitech.Gateway.Pipeline;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The verified body, given to YARP as the request body: YARP's own request content reads it from the pooled buffer it
/// was read into, so the bytes that were verified are the bytes sent upstream.
/// </summary>
/// <remarks>
/// The stream owns the buffer until <see cref="Release"/>, called when the forwarder is done with the request. YARP may
/// still be copying the body then (an HTTP/2 upstream can answer before the body is sent), so reads and the release
/// take a lock: a read after the release fails, and the buffer goes back to its pool only when no read is copying it.
/// </remarks>
internal sealed class VerifiedBodyStream : Stream
{
    private readonly Lock _gate = new();
    private readonly int _length;
    private byte[]? _buffer;
    private int _position;

    public VerifiedBodyStream(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Ends the body's use: later reads fail, and the buffer goes back to its pool. Idempotent.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                BodyBuffers.Return(buffer);
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            var count = Math.Min(buffer.Length, _length - _position);
            _buffer.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
