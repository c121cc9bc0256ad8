using System.Collections.Concurrent;

namespace Axitech.Gateway.Listeners;

/// <summary>
/// Which local ports belong to the Management endpoint. Filled by Kestrel's endpoint configuration callback when it
/// binds; a request is told apart by the port its connection arrived on, which a client cannot forge (unlike Host).
/// </summary>
internal sealed class GatewayListeners
{
    private readonly ConcurrentDictionary<int, bool> _managementPorts = new();

    public void AddManagementPort(int port) => _managementPorts[port] = true;

    public bool IsManagement(HttpContext context) => _managementPorts.ContainsKey(context.Connection.LocalPort);
}
