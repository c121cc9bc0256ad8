using System.Collections.Concurrent;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary>What the handlers of a test app saw: the body bytes of every run.</summary>
internal sealed class Received
{
    private readonly ConcurrentQueue<byte[]> _bodies = new();

    public IReadOnlyList<byte[]> Bodies => [.. _bodies];

    public int Count => _bodies.Count;

    public void Add(byte[] body) => _bodies.Enqueue(body);

    /// <summary>A handler that reads the whole body as the app would (through the request's stream) and records it.</summary>
    public async Task<byte[]> ReadAsync(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, request.HttpContext.RequestAborted);
        var body = copy.ToArray();
        Add(body);
        return body;
    }
}
