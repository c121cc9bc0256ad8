using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>
/// Sends the gateway a request on each webhook listener every <see cref="ListenerProbeOptions.Interval"/>, over loopback
/// on a fresh connection, and reports through <c>/healthz</c>: when no probe of a listener has been answered for
/// <see cref="ListenerProbeOptions.UnhealthyAfter"/>, the process is unhealthy, so that an orchestrator restarts one
/// whose webhook listener has stopped accepting or cannot serve (while the Management listener still answers).
/// Any HTTP answer counts (the probe's <c>GET /</c> is a 404).
/// </summary>
internal sealed partial class ListenerProbe : BackgroundService, IHealthCheck
{
    private readonly IServer _server;
    private readonly GatewayListeners _listeners;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly ListenerProbeOptions _options;
    private readonly ILogger<ListenerProbe> _logger;
    private readonly HttpClient _client;
    private long _lastAnsweredTicks;
    private string? _lastFailure;

    public ListenerProbe(
        IServer server,
        GatewayListeners listeners,
        IHostApplicationLifetime lifetime,
        TimeProvider timeProvider,
        GatewaySnapshotSource snapshots,
        ILogger<ListenerProbe> logger)
    {
        _server = server;
        _listeners = listeners;
        _lifetime = lifetime;
        _timeProvider = timeProvider;
        _options = snapshots.Current.Gateway.ListenerProbe;
        _logger = logger;
        _lastAnsweredTicks = timeProvider.GetUtcNow().UtcTicks;
        _client = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,

            // A self-probe over loopback: the listener's certificate is the operator's, made for their host name.
#pragma warning disable CA5359
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
#pragma warning restore CA5359
        })
        {
            Timeout = _options.Interval,
        };
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var silent = _timeProvider.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastAnsweredTicks), TimeSpan.Zero);
        return Task.FromResult(silent <= _options.UnhealthyAfter
            ? HealthCheckResult.Healthy("The webhook listeners answer.")
            : HealthCheckResult.Unhealthy($"No webhook listener has answered the gateway's own probe for {(int)silent.TotalSeconds} s (last failure: {_lastFailure}). Restart the process."));
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await StartedAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        Interlocked.Exchange(ref _lastAnsweredTicks, _timeProvider.GetUtcNow().UtcTicks);

        // The first probe after one interval: a listener is taken to serve from the start.
        using var timer = new PeriodicTimer(_options.Interval, _timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (await ProbeAsync(stoppingToken).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _lastAnsweredTicks, _timeProvider.GetUtcNow().UtcTicks);
            }
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _lifetime.ApplicationStarted.Register(started.SetResult);
        try
        {
            await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>True when every webhook listener answered.</summary>
    private async Task<bool> ProbeAsync(CancellationToken stoppingToken)
    {
        var addresses = _server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var answered = true;
        foreach (var address in addresses)
        {
            var binding = BindingAddress.Parse(address);
            if (binding.IsUnixPipe || _listeners.IsManagementPort(binding.Port))
            {
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, $"{binding.Scheme}://{LoopbackFor(binding.Host)}:{binding.Port}/");
            request.Headers.ConnectionClose = true;
            try
            {
                using var response = await _client.SendAsync(request, stoppingToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
            {
                // The listener accepted and spoke TLS (it asks for a client certificate): it serves.
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                answered = false;
                _lastFailure = $"{address}: {ex.GetType().Name}";
                Log.ProbeFailed(_logger, address, ex.GetType().Name);
            }
        }

        return answered;
    }

    /// <summary>The loopback address to reach a listener bound to <paramref name="host"/> (an address, a wildcard or a name).</summary>
    private static string LoopbackFor(string host)
        => IPAddress.TryParse(host.Trim('[', ']'), out var address) && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any)
            ? host
            : address?.Equals(IPAddress.IPv6Any) == true ? "[::1]" : "127.0.0.1";

    /// <summary>Connects, and marks the connection as the gateway's own while it lasts (<see cref="GatewayListeners.IsProbe(IPAddress?, int)"/>).</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endPoint = context.DnsEndPoint;
        var address = IPAddress.Parse(endPoint.Host.Trim('[', ']'));
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var port = 0;
        try
        {
            socket.Bind(new IPEndPoint(address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            _listeners.AddProbePort(port);
            await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            return new ProbeStream(socket, () => _listeners.RemoveProbePort(port));
        }
        catch
        {
            _listeners.RemoveProbePort(port);
            socket.Dispose();
            throw;
        }
    }

    private sealed class ProbeStream(Socket socket, Action onDispose) : NetworkStream(socket, ownsSocket: true)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                onDispose();
            }

            base.Dispose(disposing);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(6002, LogLevel.Warning, "The gateway's probe of its webhook listener {Address} was not answered ({ExceptionType}); /healthz fails once none has been answered for Gateway:ListenerProbe:UnhealthyAfter.")]
        public static partial void ProbeFailed(ILogger logger, string address, string exceptionType);
    }
}
