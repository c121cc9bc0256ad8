using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// A real upstream on a loopback port (Kestrel), recording every request it receives, byte for byte. Its answer is
/// programmable: status, delay, or a connection reset.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private WebApplication? _app;

    private readonly HttpProtocols? _protocols;

    private RecordingUpstream(int port, HttpProtocols? protocols)
    {
        Port = port;
        _protocols = protocols;
    }

    public int Port { get; }

    public string Address => $"http://127.0.0.1:{Port}";

    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>How the upstream answers; the default answers 200 "ok".</summary>
    public Func<HttpContext, ReceivedRequest, Task> Respond { get; set; } = DefaultRespond;

    public static Task DefaultRespond(HttpContext context, ReceivedRequest request)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        return context.Response.WriteAsync("ok");
    }

    /// <param name="port">The port; a free one otherwise.</param>
    /// <param name="protocols">Kestrel's protocols; <see cref="HttpProtocols.Http2"/> makes a cleartext HTTP/2 (h2c) upstream.</param>
    public static async Task<RecordingUpstream> StartAsync(int? port = null, HttpProtocols? protocols = null)
    {
        var upstream = new RecordingUpstream(port ?? FreePort.Next(), protocols);
        await upstream.StartCoreAsync();
        return upstream;
    }

    /// <summary>Stops listening (the port then refuses connections) and starts again on the same port.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public Task RestartAsync() => StartCoreAsync();

    public void Clear() => _received.Clear();

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartCoreAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);

        // Not the environment: a test that sets Kestrel__Endpoints__* for its gateway would otherwise move this
        // upstream onto the gateway's port.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Address);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = null;
            if (_protocols is { } protocols)
            {
                o.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = protocols);
            }
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var request = new ReceivedRequest(
                context.Request.Method,
                context.Features.Get<IHttpRequestFeature>()!.RawTarget,
                headers,
                body.ToArray());
            _received.Enqueue(request);
            await Respond(context, request);
        });
        await app.StartAsync();
        _app = app;
    }
}
