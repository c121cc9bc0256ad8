using System.Collections.Concurrent;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The delivery workers' HTTP client of each cluster, built as YARP builds its own: by YARP's
/// <see cref="IForwarderHttpClientFactory"/> from the cluster's <c>HttpClient</c> settings (connection limits, TLS,
/// proxy, header encodings), so a queued delivery leaves the gateway as a forwarded one does. A reload that changes the
/// settings gets a new client; the old one is left to the attempts still using it, as YARP leaves its own.
/// </summary>
internal sealed class UpstreamClients : IDisposable
{
    private readonly IForwarderHttpClientFactory _factory;
    private readonly ConcurrentDictionary<string, Entry> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public UpstreamClients(IForwarderHttpClientFactory factory) => _factory = factory;

    public HttpMessageInvoker For(ClusterConfig cluster)
    {
        var config = cluster.HttpClient ?? HttpClientConfig.Empty;
        if (_clients.TryGetValue(cluster.ClusterId, out var entry) && entry.Config == config)
        {
            return entry.Client;
        }

        lock (_gate)
        {
            _clients.TryGetValue(cluster.ClusterId, out entry);
            if (entry is not null && entry.Config == config)
            {
                return entry.Client;
            }

            var client = _factory.CreateClient(new ForwarderHttpClientContext
            {
                ClusterId = cluster.ClusterId,
                OldConfig = entry?.Config ?? HttpClientConfig.Empty,
                OldMetadata = entry?.Metadata,
                OldClient = entry?.Client,
                NewConfig = config,
                NewMetadata = cluster.Metadata,
            });
            _clients[cluster.ClusterId] = new Entry(config, cluster.Metadata, client);
            return client;
        }
    }

    public void Dispose()
    {
        foreach (var entry in _clients.Values)
        {
            entry.Client.Dispose();
        }

        _clients.Clear();
    }

    private sealed record Entry(HttpClientConfig Config, IReadOnlyDictionary<string, string>? Metadata, HttpMessageInvoker Client);
}
