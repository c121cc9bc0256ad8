using System.Net;
using System.Net.Sockets;

namespace Axitech.Gateway.Testing.Networking;

/// <summary>
/// A loopback port that nothing listens on, for as long as this is not disposed: a socket bound to 127.0.0.1:0 and
/// never put to listen. A connection to it is refused, and no other socket can take the port meanwhile (a port that
/// was free a moment ago can be taken by anyone).
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
