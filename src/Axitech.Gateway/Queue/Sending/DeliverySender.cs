using System.Collections.Frozen;
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
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Makes one attempt of a queued delivery, as a forwarded route would have sent it: to the destination the cluster's
/// load-balancing policy picks among its available destinations, through the cluster's own HTTP client (YARP's, with
/// its TLS and connection settings), its result reported to the cluster's passive health policy when the cluster
/// enables passive health; with the same method, the raw target byte for byte, the same body, the original signature and timestamp
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

    private readonly IProxyStateLookup _proxyState;
    private readonly FrozenDictionary<string, ILoadBalancingPolicy> _loadBalancing;
    private readonly FrozenDictionary<string, IPassiveHealthCheckPolicy> _passivePolicies;
    private readonly TimeProvider _timeProvider;

    public DeliverySender(IProxyStateLookup proxyState, IEnumerable<ILoadBalancingPolicy> loadBalancing, IEnumerable<IPassiveHealthCheckPolicy> passivePolicies, TimeProvider timeProvider)
    {
        _proxyState = proxyState;
        _loadBalancing = loadBalancing.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _passivePolicies = passivePolicies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
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
    public async Task<AttemptResult> SendAsync(WebhookRoute route, LeasedDelivery leased, TimeSpan lease, CancellationToken abort)
    {
        var delivery = leased.Delivery;
        if (delivery.Body is not { } body)
        {
            return AttemptResult.BodyUnreadable;
        }

        // YARP's own view of the cluster: its destinations after active and passive health, its client, its settings.
        if (!_proxyState.TryGetCluster(route.ClusterId, out var cluster) || cluster.DestinationsState is not { } destinations)
        {
            return AttemptResult.Failed(DeliveryErrors.NoDestination);
        }

        var model = cluster.Model;
        var candidates = destinations.AvailableDestinations;
        var candidateIds = candidates.Select(d => d.DestinationId).ToArray();
        var context = new DefaultHttpContext();
        var destination = candidates.Count switch
        {
            0 => null,
            1 => candidates[0],
            _ => LoadBalancing(model.Config.LoadBalancingPolicy).PickDestination(context, cluster, candidates),
        };
        if (destination is null)
        {
            // As YARP answers 503 when no destination is available: tried again later, and passive health reactivates.
            return AttemptResult.Failed(DeliveryErrors.NoDestination) with { Candidates = candidateIds };
        }

        var now = _timeProvider.GetUtcNow();
        var timeout = AttemptTimeout(model.Config.HttpRequest?.ActivityTimeout, lease, delivery.LeasedUntil ?? now + lease, now);
        if (timeout <= TimeSpan.Zero)
        {
            // The lease is (nearly) over before anything was sent: too late to send safely.
            return AttemptResult.Failed(DeliveryErrors.Timeout) with { Destination = destination.DestinationId, Candidates = candidateIds };
        }

        using var request = CreateRequest(route.Policy, model.Config, destination.Model.Config, leased, body);
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutSource.Token, abort);
        AttemptResult result;
        ForwarderError? error = null;
        destination.ConcurrentRequestCount++;
        try
        {
            // Returns once the answer's headers are in; the body is not read, only the status counts.
            using var response = await model.HttpClient.SendAsync(request, linked.Token).ConfigureAwait(false);
            result = AttemptResult.Answered((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return AttemptResult.Aborted;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            result = AttemptResult.Failed(DeliveryErrors.Timeout);
            error = ForwarderError.RequestTimedOut;
        }
        catch (HttpRequestException ex)
        {
            result = AttemptResult.Failed(ErrorCode(ex));
            error = ForwarderError.Request;
        }
        finally
        {
            destination.ConcurrentRequestCount--;
        }

        ReportToPassiveHealth(context, cluster, destination, error);
        return result with { Destination = destination.DestinationId, Candidates = candidateIds };
    }

    /// <summary>
    /// Tells the cluster's passive health policy what the attempt saw, as YARP's forwarder does for a forwarded
    /// request (a transport failure or timeout is the destination's failure; any answer is not), so that a destination
    /// that refuses connections is taken out of both roads alike.
    /// </summary>
    private void ReportToPassiveHealth(HttpContext context, ClusterState cluster, DestinationState destination, ForwarderError? error)
    {
        if (cluster.Model.Config.HealthCheck?.Passive is not { Enabled: true } passive)
        {
            return;
        }

        var name = string.IsNullOrEmpty(passive.Policy) ? HealthCheckConstants.PassivePolicy.TransportFailureRate : passive.Policy;
        if (!_passivePolicies.TryGetValue(name, out var policy))
        {
            return;
        }

        if (error is { } failed)
        {
            context.Features.Set<IForwarderErrorFeature>(new AttemptError(failed));
        }

        policy.RequestProxied(context, cluster, destination);
    }

    private ILoadBalancingPolicy LoadBalancing(string? name)
        => _loadBalancing.TryGetValue(string.IsNullOrEmpty(name) ? LoadBalancingPolicies.PowerOfTwoChoices : name, out var policy)
            ? policy
            : throw new InvalidOperationException($"YARP has no load-balancing policy '{name}'.");

    /// <summary>The error a failed attempt reports to passive health, as YARP's forwarder sets it.</summary>
    private sealed class AttemptError(ForwarderError error) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception => null;
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
