namespace Axitech.Gateway.Forwarding;

/// <summary>
/// The outermost handler of the forwarder's HttpClient: sends a verified body as <see cref="BufferedBodyContent"/>
/// instead of YARP's streaming copy of it, carrying over the content headers YARP copied (Content-Type,
/// Content-Length, ...). Requests without a handed-over body pass through untouched.
/// </summary>
/// <remarks>
/// The body is handed over in a thread-static slot rather than in <see cref="HttpRequestMessage.Options"/>, whose
/// dictionary would cost every request about 230 bytes. YARP calls the request transforms, then this handler, on one
/// thread without a wait in between. The slot names the request it is for, and is used only by that request: should a
/// wait ever come between them, the request finds the slot empty or naming another request, and YARP's own content
/// forwards the same bytes from the body stream instead. It can never carry one request's body to another.
/// </remarks>
internal sealed class BufferedBodyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    [ThreadStatic]
    private static Handover _handover;

    /// <summary>Leaves <paramref name="body"/> for this handler to send as <paramref name="request"/>'s content.</summary>
    public static void HandOver(HttpRequestMessage request, BufferedBodyStream body) => _handover = new Handover(request, body);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        UseBufferedBody(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        UseBufferedBody(request);
        return base.Send(request, cancellationToken);
    }

    private static void UseBufferedBody(HttpRequestMessage request)
    {
        var handover = _handover;
        _handover = default;
        if (!ReferenceEquals(handover.Request, request) || request.Content is not { } streamed)
        {
            return;
        }

        var content = new BufferedBodyContent(handover.Body!);
        foreach (var (name, values) in streamed.Headers.NonValidated)
        {
            _ = values.Count == 1
                ? content.Headers.TryAddWithoutValidation(name, values.ToString())
                : content.Headers.TryAddWithoutValidation(name, values);
        }

        request.Content = content;
    }

    private readonly record struct Handover(HttpRequestMessage? Request, BufferedBodyStream? Body);
}
