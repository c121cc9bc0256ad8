using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Pipeline;

namespace Axitech.Gateway.Tests.Forwarding;

public sealed class VerifiedBodyStreamTests
{
    [Fact]
    public async Task ReadsTheBodyBytes_InPieces_ThenEnds()
    {
        var body = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var buffer = BodyBuffers.Rent(body.Length);
        body.CopyTo(buffer, 0);
        var stream = new VerifiedBodyStream(buffer, body.Length);

        var copy = new MemoryStream();
        await stream.CopyToAsync(copy, bufferSize: 7);

        Assert.Equal(body, copy.ToArray());
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
        stream.Release();
    }

    [Fact]
    public void OnceReleased_TheBodyCannotBeRead_AndReleaseIsIdempotent()
    {
        var stream = new VerifiedBodyStream(BodyBuffers.Rent(16), 16);

        stream.Release();
        stream.Release();

        Assert.Throws<ObjectDisposedException>(() => stream.Read(new byte[4]));
    }

    [Fact]
    public async Task AReleaseDuringReads_NeverLetsAReadCopyFromAReturnedBuffer()
    {
        // Readers on other threads race the release: each read either sees the body's bytes or fails; none sees bytes
        // written into the buffer after it went back to the pool (here: the pool's next renter's 0xEE).
        for (var round = 0; round < 200; round++)
        {
            var buffer = BodyBuffers.Rent(4096);
            Array.Fill(buffer, (byte)0x11);
            var stream = new VerifiedBodyStream(buffer, 4096);
            var sawForeignBytes = false;
            var reads = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                var into = new byte[64];
                try
                {
                    while (stream.Read(into) > 0)
                    {
                        sawForeignBytes |= into.Contains((byte)0xEE);
                    }
                }
                catch (ObjectDisposedException)
                {
                }
            })).ToArray();

            stream.Release();
            var next = BodyBuffers.Rent(4096);
            Array.Fill(next, (byte)0xEE);
            await Task.WhenAll(reads);
            BodyBuffers.Return(next);
            Assert.False(sawForeignBytes, $"round {round}: a read copied bytes from a buffer already back in the pool");
        }
    }
}
