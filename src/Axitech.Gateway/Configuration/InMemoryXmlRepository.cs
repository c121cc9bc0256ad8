using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// Keeps the data-protection key ring in memory. YARP registers data protection for session-affinity cookies, which
/// webhooks never use; without this the host would write a key ring to the user's profile at start-up (and warn that
/// it is unencrypted), which a read-only, non-root container cannot and should not do.
/// </summary>
internal sealed class InMemoryXmlRepository : IXmlRepository
{
    private readonly ConcurrentQueue<XElement> _elements = new();

    public IReadOnlyCollection<XElement> GetAllElements() => [.. _elements];

    public void StoreElement(XElement element, string friendlyName) => _elements.Enqueue(element);
}
