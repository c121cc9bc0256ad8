using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.Testing.Upstreams;

/// <summary>
/// A real upstream on a loopback port (Kestrel, bound to port 0), recording every request it receives, byte for
/// byte. Its answer is programmable: status, delay, or a connection reset. It can stop (the port then refuses
/// connections) and start again on the same port.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly HttpProtocols? _protocols;
    private WebApplication? _app;

    // While stopped, the port is held by a socket that is bound but does not listen: connections are refused, as by a
    // stopped service, and nothing else can take the port before the restart.
    private Socket? _placeholder;

    private RecordingUpstream(HttpProtocols? protocols) => _protocols = protocols;

    public int Port { get; private set; }

    public string Address => $"http://127.0.0.1:{Port}";

    public IReadOnlyCollection<ReceivedRequest> Received => _received;

    /// <summary>How the upstream answers; the default answers 200 "ok".</summary>
    public Func<HttpContext, ReceivedRequest, Task> Respond { get; set; } = DefaultRespond;

    public static Task DefaultRespond(HttpContext context, ReceivedRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status200OK;
        return context.Response.WriteAsync("ok");
    }

    /// <param name="protocols">Kestrel's protocols; <see cref="HttpProtocols.Http2"/> makes a cleartext HTTP/2 (h2c) upstream.</param>
    public static async Task<RecordingUpstream> StartAsync(HttpProtocols? protocols = null)
    {
        var upstream = new RecordingUpstream(protocols);
        await upstream.StartCoreAsync();
        return upstream;
    }

    /// <summary>Stops listening: the port refuses connections until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
            _placeholder = Hold(Port);
        }
    }

    /// <summary>Starts again on the same port.</summary>
    public Task RestartAsync() => StartCoreAsync();

    public void Clear() => _received.Clear();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _placeholder?.Dispose();
        _placeholder = null;
    }

    private static Socket? Hold(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Connections the server closed may still be in TIME_WAIT on this port.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    private async Task StartCoreAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);

        // Not the environment: a test that sets Kestrel__Endpoints__* for its gateway would otherwise move this
        // upstream onto the gateway's port.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
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

        _placeholder?.Dispose();
        _placeholder = null;
        await app.StartAsync();
        _app = app;
        if (Port == 0)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            Port = BindingAddress.Parse(address).Port;
        }
    }
}
