using Axitech.Gateway.Forwarding;

namespace Axitech.Gateway.Tests.Forwarding;

/// <summary>
/// The verified body's buffer goes back to its pool only when nothing can still send or read it: an HTTP/2 upstream
/// may answer before the body is sent, and the send then outlives the forwarder's call.
/// </summary>
public sealed class BufferedBodyTests
{
    private const int Prefix = 7;

    [Fact]
    public async Task WhileTheContentIsBeingSent_TheBufferCannotBeReleased_AndCanOnceTheSendIsOver()
    {
        var (body, content) = Create("sent while released?"u8);
        var destination = new StalledStream();

        var sending = content.CopyToAsync(destination);
        await destination.WriteStarted;

        Assert.False(body.TryRelease());
        destination.Resume();
        await sending;
        Assert.Equal("sent while released?"u8.ToArray(), destination.Written.ToArray());
        Assert.True(body.TryRelease());
    }

    [Fact]
    public async Task OnceReleased_TheBodyCanNeitherBeSentNorRead()
    {
        var (body, content) = Create("released"u8);

        Assert.True(body.TryRelease());

        await Assert.ThrowsAsync<InvalidOperationException>(() => content.CopyToAsync(new MemoryStream()));
        Assert.Throws<ObjectDisposedException>(() => body.Read(new byte[8], 0, 8));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => body.CopyToAsync(new MemoryStream()));
    }

    [Fact]
    public async Task TheContent_HasTheBodysLength_AndSendsTheSameBytesAgain_ForARetriedRequest()
    {
        var (body, content) = Create("{\"event\":\"session.submitted\"}"u8);
        var first = new MemoryStream();
        var second = new MemoryStream();

        await content.CopyToAsync(first);
        await content.CopyToAsync(second);

        Assert.Equal(body.Length, content.Headers.ContentLength);
        Assert.Equal("{\"event\":\"session.submitted\"}"u8.ToArray(), first.ToArray());
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.True(body.TryRelease());
    }

    private static (BufferedBodyStream Body, BufferedBodyContent Content) Create(ReadOnlySpan<byte> bytes)
    {
        // The signed prefix sits in front of the body in the buffer, and trailing pool bytes behind it: neither is sent.
        var buffer = new byte[Prefix + bytes.Length + 5];
        buffer.AsSpan().Fill((byte)'#');
        bytes.CopyTo(buffer.AsSpan(Prefix));
        var body = new BufferedBodyStream(buffer, Prefix, bytes.Length);
        return (body, new BufferedBodyContent(body));
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
