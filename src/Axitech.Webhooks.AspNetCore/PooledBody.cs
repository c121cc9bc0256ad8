using System.Buffers;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>The verified body, handed to the handler as a read-only stream over the very buffer it was read into; the buffer goes back to the pool with the request.</summary>
internal sealed class PooledBody : IDisposable
{
    private byte[]? _buffer;

    public PooledBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Stream = new MemoryStream(buffer, 0, length, writable: false);
    }

    public Stream Stream { get; }

    public void Dispose()
    {
        Stream.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
