using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

public static class FreePort
{
    private const int First = 20_000;
    private const int Last = 32_000;
    private static readonly ConcurrentDictionary<int, bool> _handedOut = new();

    /// <summary>
    /// A loopback port that was free a moment ago and has not been handed out before in this process. Chosen below
    /// Linux's ephemeral range (32768 and up), so that outgoing connections of parallel tests cannot take it, and
    /// probed without SO_REUSEADDR, as Kestrel binds, so that a port still in TIME_WAIT counts as taken.
    /// </summary>
    public static int Next()
    {
        while (true)
        {
            var port = Random.Shared.Next(First, Last);
            if (!_handedOut.TryAdd(port, true))
            {
                continue;
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                socket.Listen();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }
}
