using Axitech.Gateway.Pipeline;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The verified body, given to YARP as the request body, from the pooled buffer it was read into, so the bytes that were
/// verified are the bytes sent upstream. <see cref="VerifiedBodyHandler"/> sends it whole (<see cref="TryLend"/>); YARP's
/// own request content would read it as a stream.
/// </summary>
/// <remarks>
/// The stream owns the buffer until <see cref="Release"/>, called when the forwarder is done with the request. A send may
/// still be under way then (an HTTP/2 upstream can answer before the body is sent), so reads, loans and the release take a
/// lock: a read or a loan after the release fails, and the buffer goes back to its pool only when no read is copying it
/// and no loan is out.
/// </remarks>
internal sealed class VerifiedBodyStream : Stream
{
    private readonly Lock _gate = new();
    private readonly int _length;
    private byte[]? _buffer;
    private bool _released;
    private int _loans;
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

    /// <summary>Ends the body's use: later reads and loans fail; the buffer goes back to its pool once no loan is out. Idempotent.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _released = true;
            ReturnIfUnused();
        }
    }

    /// <summary>Lends the whole body for one send, until <see cref="EndLoan"/>; false once the body is released.</summary>
    public bool TryLend(out ReadOnlyMemory<byte> body)
    {
        lock (_gate)
        {
            if (_released)
            {
                body = default;
                return false;
            }

            _loans++;
            body = _buffer.AsMemory(0, _length);
            return true;
        }
    }

    public void EndLoan()
    {
        lock (_gate)
        {
            _loans--;
            ReturnIfUnused();
        }
    }

    private void ReturnIfUnused()
    {
        if (_released && _loans == 0 && _buffer is { } buffer)
        {
            _buffer = null;
            BodyBuffers.Return(buffer);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_released, this);
            var count = Math.Min(buffer.Length, _length - _position);
            _buffer!.AsSpan(_position, count).CopyTo(buffer);
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
