using System.Net;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Pipeline;

namespace Axitech.Gateway.Tests.Forwarding;

public sealed class VerifiedBodyHandlerTests
{
    private static readonly byte[] _body = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public async Task SendsTheNamedBodyWhole_InOneWrite_WithItsHeaders()
    {
        var body = NewBody();
        var upstream = new CapturingHandler(gate: null);
        using var invoker = new HttpMessageInvoker(new VerifiedBodyHandler(upstream));
        using var request = NamedRequest(body);

        using var response = await invoker.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(_body, upstream.Written);
        Assert.Equal(1, upstream.Writes);
        Assert.Equal(_body.Length, upstream.ContentLength);
        Assert.Equal("application/json", upstream.ContentType);
        body.Release();
    }

    [Fact]
    public async Task ReleasedWhileTheSendIsUnderWay_TheBufferIsNotReusedUntilTheSendEnds()
    {
        // An HTTP/2 upstream can answer before the body is sent, and the forwarder then releases the body: the bytes
        // still to be sent must be the verified ones, not whatever the next request writes into a reused buffer.
        var body = NewBody();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new CapturingHandler(gate.Task);
        using var invoker = new HttpMessageInvoker(new VerifiedBodyHandler(upstream));
        using var request = NamedRequest(body);
        var sending = invoker.SendAsync(request, TestContext.Current.CancellationToken);
        await upstream.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        body.Release();
        // More than the pool keeps of one size: had the release returned the buffer, one of these would be it.
        var rented = Enumerable.Range(0, 40).Select(_ => BodyBuffers.Rent(_body.Length)).ToList();
        rented.ForEach(buffer => buffer.AsSpan().Fill(0xEE));
        gate.SetResult();
        using var response = await sending;

        Assert.Equal(_body, upstream.Written);
        rented.ForEach(BodyBuffers.Return);
    }

    [Fact]
    public async Task AfterTheRelease_TheBodyCannotBeSent()
    {
        var body = NewBody();
        body.Release();
        using var invoker = new HttpMessageInvoker(new VerifiedBodyHandler(new CapturingHandler(gate: null)));
        using var request = NamedRequest(body);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, TestContext.Current.CancellationToken));
        Assert.IsType<ObjectDisposedException>(refused.InnerException);
    }

    [Fact]
    public async Task AMessageWithoutTheOption_PassesUnchanged()
    {
        var upstream = new CapturingHandler(gate: null);
        using var invoker = new HttpMessageInvoker(new VerifiedBodyHandler(upstream));
        using var content = new ByteArrayContent([1, 2, 3]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/hooks") { Content = content };

        using var response = await invoker.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Same(content, upstream.Content);
        Assert.Equal([1, 2, 3], upstream.Written);
    }

    private static VerifiedBodyStream NewBody()
    {
        var buffer = BodyBuffers.Rent(_body.Length);
        _body.CopyTo(buffer, 0);
        return new VerifiedBodyStream(buffer, _body.Length);
    }

    /// <summary>What YARP's content would be (it streams the body); the handler swaps it for the whole body.</summary>
    private static HttpRequestMessage NamedRequest(VerifiedBodyStream body)
    {
        var streamed = new StreamContent(Stream.Null);
        streamed.Headers.ContentLength = _body.Length;
        streamed.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "http://upstream.invalid/hooks") { Content = streamed };
        request.Options.Set(VerifiedBodyHandler.BodyOption, body);
        return request;
    }

    /// <summary>The upstream end of the client: copies the content as a connection would, each write held at the gate.</summary>
    private sealed class CapturingHandler(Task? gate) : HttpMessageHandler
    {
        private readonly MemoryStream _written = new();

        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public byte[] Written => _written.ToArray();

        public int Writes { get; private set; }

        public long? ContentLength { get; private set; }

        public string? ContentType { get; private set; }

        public HttpContent? Content { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Content = request.Content;
            ContentLength = request.Content?.Headers.ContentLength;
            ContentType = request.Content?.Headers.ContentType?.ToString();
            await request.Content!.CopyToAsync(new GatedStream(this, gate), cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        private sealed class GatedStream(CapturingHandler owner, Task? gate) : Stream
        {
            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                owner.Writes++;
                owner.WriteStarted.TrySetResult();
                if (gate is not null)
                {
                    await gate.WaitAsync(cancellationToken);
                }

                // Copied only after the gate: what is sent is what the buffer holds then.
                owner._written.Write(buffer.Span);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
                => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

            public override void Flush()
            {
            }

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
