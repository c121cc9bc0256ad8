using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Verification;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Makes one attempt of a queued delivery, as a forwarded route would have sent it: to a destination of the route's
/// cluster, with the same method, the raw target byte for byte, the same body, the original signature and timestamp
/// (under the policy's header names) and content type, plus <c>X-Axitech-Delivery-Id</c> and
/// <c>X-Axitech-Delivery-Attempt</c>. Honours the cluster's <c>HttpRequest</c> settings (version, version policy,
/// activity timeout), but an attempt always ends before its lease does (<see cref="AttemptTimeout"/>).
/// </summary>
internal sealed class DeliverySender
{
    /// <summary>YARP's default <c>HttpRequest:ActivityTimeout</c>.</summary>
    private static readonly TimeSpan _defaultActivityTimeout = TimeSpan.FromSeconds(100);

    /// <summary>The most of a lease kept back from its attempt, to record the result before the lease ends.</summary>
    private static readonly TimeSpan _maxSettleMargin = TimeSpan.FromSeconds(10);

    private readonly UpstreamClients _clients;
    private readonly IProxyStateLookup _proxyState;
    private readonly TimeProvider _timeProvider;
    private uint _next;

    public DeliverySender(UpstreamClients clients, IProxyStateLookup proxyState, TimeProvider timeProvider)
    {
        _clients = clients;
        _proxyState = proxyState;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// How long an attempt may take: the cluster's activity timeout (YARP's default 100 s), but never past its lease's
    /// end less a margin (a quarter of <paramref name="lease"/>, at most 10 s) left to record the result. A lease
    /// therefore never expires while its attempt runs, and no other instance can lease the delivery meanwhile.
    /// </summary>
    public static TimeSpan AttemptTimeout(TimeSpan? activityTimeout, TimeSpan lease, DateTimeOffset leasedUntil, DateTimeOffset now)
    {
        var margin = lease / 4 < _maxSettleMargin ? lease / 4 : _maxSettleMargin;
        var timeout = activityTimeout is { } configured && configured > TimeSpan.Zero ? configured : _defaultActivityTimeout;
        var untilLeaseEnds = leasedUntil - margin - now;
        return untilLeaseEnds < timeout ? untilLeaseEnds : timeout;
    }

    /// <summary>The upstream's <c>Retry-After</c> (seconds, or an HTTP date) as a delay from <paramref name="now"/>; null when absent.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
        => header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };

    /// <summary>
    /// Sends the delivery once. Never throws for what the upstream or the network did: every ending is an
    /// <see cref="AttemptResult"/>; <paramref name="abort"/> (the drain timeout passed) ends it as aborted.
    /// </summary>
    public async Task<AttemptResult> SendAsync(GatewaySnapshot snapshot, WebhookRoute route, LeasedDelivery leased, TimeSpan lease, CancellationToken abort)
    {
        var delivery = leased.Delivery;
        if (delivery.Body is not { } body)
        {
            return AttemptResult.BodyUnreadable;
        }

        var cluster = snapshot.ProxyClusters.FirstOrDefault(c => string.Equals(c.ClusterId, route.ClusterId, StringComparison.OrdinalIgnoreCase));
        if (cluster is null || PickDestination(cluster) is not { } destination)
        {
            return AttemptResult.Failed(DeliveryErrors.NoDestination);
        }

        var now = _timeProvider.GetUtcNow();
        var timeout = AttemptTimeout(cluster.HttpRequest?.ActivityTimeout, lease, delivery.LeasedUntil ?? now + lease, now);
        if (timeout <= TimeSpan.Zero)
        {
            // The lease is (nearly) over before anything was sent: too late to send safely.
            return AttemptResult.Failed(DeliveryErrors.Timeout);
        }

        using var request = CreateRequest(route.Policy, cluster, destination, leased, body);
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, abort);
        try
        {
            // Returns once the answer's headers are in; the body is not read, only the status counts.
            using var response = await _clients.For(cluster).SendAsync(request, linked.Token).ConfigureAwait(false);
            return AttemptResult.Answered((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return AttemptResult.Aborted;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            return AttemptResult.Failed(DeliveryErrors.Timeout);
        }
        catch (HttpRequestException ex)
        {
            return AttemptResult.Failed(ErrorCode(ex));
        }
    }

    private static HttpRequestMessage CreateRequest(WebhookPolicy policy, ClusterConfig cluster, DestinationConfig destination, LeasedDelivery leased, ReadOnlyMemory<byte> body)
    {
        var delivery = leased.Delivery;
        var request = new HttpRequestMessage(new HttpMethod(delivery.Method), RawTarget.ToDestinationUri(destination.Address, delivery.RawTarget))
        {
            // YARP's defaults: HTTP/2 where the connection can (TLS with ALPN), HTTP/1.1 otherwise.
            Version = cluster.HttpRequest?.Version ?? HttpVersion.Version20,
            VersionPolicy = cluster.HttpRequest?.VersionPolicy ?? HttpVersionPolicy.RequestVersionOrLower,
        };

        // Values exactly as received: no validation, which could reformat them.
        request.Headers.TryAddWithoutValidation(policy.SignatureHeader, delivery.Signature);
        request.Headers.TryAddWithoutValidation(policy.TimestampHeader, delivery.Timestamp);
        request.Headers.TryAddWithoutValidation(GatewayHeaders.DeliveryId, delivery.Id.ToString("D"));
        request.Headers.TryAddWithoutValidation(GatewayHeaders.DeliveryAttempt, leased.Lease.Attempt.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(destination.Host))
        {
            request.Headers.Host = destination.Host;
        }

        if (body.Length > 0 || delivery.ContentType is not null || !(HttpMethods.IsGet(delivery.Method) || HttpMethods.IsHead(delivery.Method)))
        {
            request.Content = new ReadOnlyMemoryContent(body);
            if (delivery.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, delivery.ContentType);
            }
        }

        return request;
    }

    /// <summary>One of the cluster's available destinations in turn (all of them when none is available, as passive health may mark every one).</summary>
    private DestinationConfig? PickDestination(ClusterConfig cluster)
    {
        if (_proxyState.TryGetCluster(cluster.ClusterId, out var state) && state.DestinationsState is { } destinations)
        {
            var candidates = destinations.AvailableDestinations.Count > 0 ? destinations.AvailableDestinations : destinations.AllDestinations;
            if (candidates.Count > 0)
            {
                return candidates[(int)(Interlocked.Increment(ref _next) % (uint)candidates.Count)].Model.Config;
            }
        }

        // YARP has not applied this cluster yet (a reload under way): its configuration says where.
        if (cluster.Destinations is { Count: > 0 } configured)
        {
            var index = (int)(Interlocked.Increment(ref _next) % (uint)configured.Count);
            return configured.Values.ElementAt(index);
        }

        return null;
    }

    private static string ErrorCode(HttpRequestException exception)
        => exception.HttpRequestError switch
        {
            HttpRequestError.ConnectionError when exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } => DeliveryErrors.ConnectionRefused,
            HttpRequestError.ConnectionError => DeliveryErrors.ConnectionFailed,
            HttpRequestError.NameResolutionError => DeliveryErrors.NameResolutionFailed,
            HttpRequestError.SecureConnectionError => DeliveryErrors.TlsFailed,
            HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError => DeliveryErrors.InvalidResponse,
            _ => DeliveryErrors.SendFailed,
        };
}
