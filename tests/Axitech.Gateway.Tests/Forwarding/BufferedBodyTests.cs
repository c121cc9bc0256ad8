using System.Buffers;
using Axitech.Gateway.Forwarding;

namespace Axitech.Gateway.Tests.Forwarding;

/// <summary>
/// The verified body's buffer goes back to its pool only when nothing can still send or read it, and then it does go
/// back: an upstream may answer before the last write's completion has run (an HTTP/2 one before the body is sent),
/// so the send can outlive the forwarder's call. Observed on a real <see cref="ArrayPool{T}"/>, which hands out the
/// array returned last: a buffer that is back is rented again.
/// </summary>
public sealed class BufferedBodyTests
{
    private const int Prefix = 7;

    [Fact]
    public async Task ReleasedWhileTheContentIsBeingSent_TheBufferGoesBackWhenTheSendEnds_NotBefore()
    {
        var (body, content, pool, buffer) = Create("sent while released?"u8);
        var destination = new StalledStream();

        var sending = content.CopyToAsync(destination);
        await destination.WriteStarted;

        Assert.False(body.Release());
        Assert.NotSame(buffer, pool.Rent(buffer.Length));
        Assert.Throws<ObjectDisposedException>(() => body.Read(new byte[8], 0, 8));
        destination.Resume();
        await sending;
        Assert.Equal("sent while released?"u8.ToArray(), destination.Written.ToArray());
        Assert.Same(buffer, pool.Rent(buffer.Length));
    }

    [Fact]
    public void ReleasedWithNoSendUnderWay_TheBufferGoesBackAtOnce_AndOnlyOnce()
    {
        var (body, _, pool, buffer) = Create("idle"u8);

        Assert.True(body.Release());
        Assert.Throws<InvalidOperationException>(() => body.Release());

        Assert.Same(buffer, pool.Rent(buffer.Length));
        Assert.NotSame(buffer, pool.Rent(buffer.Length));
    }

    [Fact]
    public async Task NeverReleased_TheBufferNeverGoesBack_EvenWhenASendEnds()
    {
        var (_, content, pool, buffer) = Create("forwarding failed"u8);

        await content.CopyToAsync(new MemoryStream());

        Assert.NotSame(buffer, pool.Rent(buffer.Length));
    }

    [Fact]
    public async Task OnceReleased_TheBodyCanNeitherBeSentNorRead()
    {
        var (body, content, _, _) = Create("released"u8);

        Assert.True(body.Release());

        await Assert.ThrowsAsync<InvalidOperationException>(() => content.CopyToAsync(new MemoryStream()));
        Assert.Throws<ObjectDisposedException>(() => body.Read(new byte[8], 0, 8));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => body.CopyToAsync(new MemoryStream()));
    }

    [Fact]
    public async Task TheContent_HasTheBodysLength_AndSendsTheSameBytesAgain_ForARetriedRequest()
    {
        var (body, content, _, _) = Create("{\"event\":\"session.submitted\"}"u8);
        var first = new MemoryStream();
        var second = new MemoryStream();

        await content.CopyToAsync(first);
        await content.CopyToAsync(second);

        Assert.Equal(body.Length, content.Headers.ContentLength);
        Assert.Equal("{\"event\":\"session.submitted\"}"u8.ToArray(), first.ToArray());
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.True(body.Release());
    }

    private static (BufferedBodyStream Body, BufferedBodyContent Content, ArrayPool<byte> Pool, byte[] Buffer) Create(ReadOnlySpan<byte> bytes)
    {
        // The signed prefix sits in front of the body in the buffer, and trailing pool bytes behind it: neither is sent.
        var pool = ArrayPool<byte>.Create();
        var buffer = pool.Rent(Prefix + bytes.Length + 5);
        buffer.AsSpan().Fill((byte)'#');
        bytes.CopyTo(buffer.AsSpan(Prefix));
        var body = new BufferedBodyStream(buffer, Prefix, bytes.Length, pool);
        return (body, new BufferedBodyContent(body), pool, buffer);
    }

    /// <summary>A destination whose write waits until it is resumed.</summary>
    private sealed class StalledStream : MemoryStream
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WriteStarted => _started.Task;

        public MemoryStream Written { get; } = new();

        public void Resume() => _resume.SetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.SetResult();
            await _resume.Task;
            Written.Write(buffer.Span);
        }
    }
}
