using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Axitech.Gateway.Listeners;

/// <summary>
/// The Kestrel endpoints of the Management listener. Filled by Kestrel's endpoint configuration callback; a request is
/// told apart by the local port its connection arrived on, which a client cannot forge (unlike Host). The port is read
/// from the endpoint's options when asked, because Kestrel writes the bound port there after binding: a URL with port
/// 0 (tests, side-by-side instances) is told apart by the port it really got.
/// </summary>
internal sealed class GatewayListeners
{
    private readonly Lock _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _probePorts = new();
    private ListenOptions[] _management = [];

    public void AddManagement(ListenOptions options)
    {
        lock (_gate)
        {
            _management = [.. _management, options];
        }
    }

    public bool IsManagement(HttpContext context) => IsManagementPort(context.Connection.LocalPort);

    public bool IsManagementPort(int port)
    {
        foreach (var options in _management)
        {
            if (options.IPEndPoint?.Port == port)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Marks the client port of a connection the gateway opened to itself (<c>ListenerProbe</c>): such a connection is
    /// not counted against the per-client connection limit, and its requests not in the HTTP metrics and traces.
    /// </summary>
    public void AddProbePort(int port) => _probePorts[port] = true;

    public void RemoveProbePort(int port) => _probePorts.TryRemove(port, out _);

    /// <summary>Whether a connection comes from the gateway's own probe: from loopback, on a port it registered.</summary>
    public bool IsProbe(System.Net.IPAddress? remoteAddress, int remotePort)
        => remoteAddress is not null && System.Net.IPAddress.IsLoopback(remoteAddress) && _probePorts.ContainsKey(remotePort);

    public bool IsProbe(HttpContext context) => IsProbe(context.Connection.RemoteIpAddress, context.Connection.RemotePort);
}
