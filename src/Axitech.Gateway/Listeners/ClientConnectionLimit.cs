using System.Collections.Concurrent;
using System.Net;
using Axitech.Gateway.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Axitech.Gateway.Listeners;

/// <summary>
/// Kestrel connection middleware on the webhook listeners: one client address may hold at most
/// <see cref="GatewayOptions.ConnectionsPerClient"/> connections (trusted proxies exempt), and a connection that sends
/// nothing within <c>Kestrel:Limits:RequestHeadersTimeout</c> is closed. Kestrel alone keeps a silent new connection for
/// the whole <c>KeepAliveTimeout</c>, so one address could hold every slot of <c>MaxConcurrentConnections</c>.
/// </summary>
internal sealed partial class ClientConnectionLimit
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();
    private readonly GatewayListeners _listeners;
    private readonly IReadOnlyList<IPNetwork> _trusted;
    private readonly int _limit;
    private readonly ILogger<ClientConnectionLimit> _logger;
    private long _lastLogTicks;

    public ClientConnectionLimit(GatewaySnapshotSource snapshots, GatewayListeners listeners, ILogger<ClientConnectionLimit> logger)
    {
        var snapshot = snapshots.Current;
        _listeners = listeners;
        _trusted = snapshot.TrustedProxies;
        _limit = snapshot.Gateway.ConnectionsPerClient;
        _logger = logger;
    }

    /// <summary>The middleware around <paramref name="next"/>; <paramref name="limits"/> gives the first-byte timeout when a connection opens.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next, KestrelServerLimits limits) => connection => OnConnectionAsync(connection, next, limits);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next, KestrelServerLimits limits)
    {
        if (connection.LocalEndPoint is IPEndPoint local && _listeners.IsManagementPort(local.Port))
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var remote = connection.RemoteEndPoint as IPEndPoint;
        var client = remote?.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : remote?.Address;
        // The gateway's own probe is not counted, so that a client at its limit on loopback cannot make it fail.
        var counted = client is not null && !_listeners.IsProbe(client, remote!.Port) && !IsTrusted(client);
        if (counted && _open.AddOrUpdate(client!, 1, static (_, count) => count + 1) > _limit)
        {
            Release(client!);
            LogRefused(client!);
            return;
        }

        try
        {
            if (await ReceivedWithinAsync(connection, limits.RequestHeadersTimeout).ConfigureAwait(false))
            {
                await next(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            if (counted)
            {
                Release(client!);
            }
        }
    }

    /// <summary>Waits for the connection's first bytes (without consuming them); false when none came in time.</summary>
    private static async Task<bool> ReceivedWithinAsync(ConnectionContext connection, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(within);
        try
        {
            var result = await connection.Transport.Input.ReadAsync(timeout.Token).ConfigureAwait(false);
            connection.Transport.Input.AdvanceTo(result.Buffer.Start);
            return !result.Buffer.IsEmpty || !result.IsCompleted;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private bool IsTrusted(IPAddress client)
    {
        foreach (var network in _trusted)
        {
            if (network.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    private void Release(IPAddress client) => _open.Subtract(client, 1);

    private void LogRefused(IPAddress client)
    {
        // At most one line a second: the client sets the rate.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastLogTicks);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastLogTicks, now, last) == last)
        {
            Log.Refused(_logger, client, _limit);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6001, LogLevel.Warning, "Connection from {RemoteAddress} closed: it holds {Limit} connections already (Gateway:ConnectionsPerClient). Behind an ingress, list the ingress in Gateway:TrustedProxies. Logged at most once a second.")]
        public static partial void Refused(ILogger logger, IPAddress remoteAddress, int limit);
    }
}
