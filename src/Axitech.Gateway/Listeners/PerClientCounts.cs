using System.Collections.Concurrent;
using System.Net;
using System.Numerics;

namespace Axitech.Gateway.Listeners;

/// <summary>Counts kept per client address (connections, requests in flight, bytes held).</summary>
internal static class PerClientCounts
{
    /// <summary>
    /// Takes <paramref name="amount"/> off the client's count, removing its entry when it drops to zero, so that the
    /// table holds only clients with something counted (an attacker rotating addresses cannot grow it for good).
    /// </summary>
    public static void Subtract<T>(this ConcurrentDictionary<IPAddress, T> counts, IPAddress client, T amount)
        where T : INumber<T>
    {
        while (counts.TryGetValue(client, out var count))
        {
            if (count <= amount ? counts.TryRemove(KeyValuePair.Create(client, count)) : counts.TryUpdate(client, count - amount, count))
            {
                return;
            }
        }
    }
}
