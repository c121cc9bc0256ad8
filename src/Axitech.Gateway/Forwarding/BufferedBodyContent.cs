using System.Net;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The forwarded request's content: the verified body, sent whole from its buffer with its length known.
/// </summary>
/// <remarks>
/// YARP's own content streams the request body as it arrives: it flushes the request headers first, then copies the
/// body through a buffer of its own and flushes again: two sends for a small request. The gateway has the whole body
/// before it forwards, so the headers and a small body leave in one send, with no copy, and a chunked delivery is
/// forwarded with its Content-Length (its body bytes are unchanged). Unlike YARP's, this content can be sent again,
/// should HttpClient retry the request on a fresh connection.
/// </remarks>
internal sealed class BufferedBodyContent : HttpContent
{
    private readonly BufferedBodyStream _body;

    public BufferedBodyContent(BufferedBodyStream body) => _body = body;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _body.BeginSend();
        try
        {
            await stream.WriteAsync(_body.Body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _body.EndSend();
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _body.BeginSend();
        try
        {
            stream.Write(_body.Body.Span);
        }
        finally
        {
            _body.EndSend();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }
}
