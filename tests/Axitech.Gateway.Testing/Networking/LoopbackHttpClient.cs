using System.Net;
using System.Net.Sockets;

namespace Axitech.Gateway.Testing.Networking;

/// <summary>HttpClients toward a loopback port: from a chosen source address (127.0.0.2, 127.0.0.3, …), or over h2c.</summary>
public static class LoopbackHttpClient
{
    /// <param name="localAddress">The source address of every connection (any 127.0.0.0/8 address works on Linux).</param>
    /// <param name="http2">HTTP/2 with prior knowledge on cleartext (h2c): every request is sent as 2.0, exactly.</param>
    public static HttpClient Create(int port, IPAddress? localAddress = null, bool http2 = false)
    {
        var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        if (localAddress is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        if (http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }
}
