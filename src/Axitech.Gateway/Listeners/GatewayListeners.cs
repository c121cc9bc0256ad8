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
}
