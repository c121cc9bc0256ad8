using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The claim stage of forwarded routes, and its settlement: a verified delivery is claimed in the duplicate store
/// before it is forwarded (a repeat is answered by the gateway), then marked delivered when the upstream acknowledged
/// it, or released so that the sender's retry is forwarded again. Queued routes are deduplicated by the queue itself.
/// </summary>
internal sealed partial class DeliveryClaims
{
    private readonly DeduplicationService _deduplication;
    private readonly ILogger<DeliveryClaims> _logger;

    public DeliveryClaims(DeduplicationService deduplication, ILogger<DeliveryClaims> logger)
    {
        _deduplication = deduplication;
        _logger = logger;
    }

    public async ValueTask<Answer?> ClaimAsync(WebhookRequest request)
    {
        var policy = request.Policy;
        if (!policy.Deduplication.Enabled)
        {
            return null;
        }

        request.TimeToLive = _deduplication.TimeToLive(policy, request.DeliveredAt);
        var lease = DeduplicationService.Lease(policy, request.TimeToLive);
        var claim = await _deduplication.Store.TryClaimAsync(request.Key, lease, request.Context.RequestAborted).ConfigureAwait(false);
        request.Claim = claim;
        switch (claim.Status)
        {
            case ClaimStatus.Delivered:
                return Answer.RepeatOfDelivered(claim.DeliveredStatusCode);
            case ClaimStatus.InFlight:
                return Answer.InFlight;
            case ClaimStatus.StoreFull:
                return Answer.StoreFull;
            case ClaimStatus.StoreUnavailable when policy.Deduplication.OnStoreUnavailable == StoreUnavailableBehavior.Forward:
                request.AcceptedReason = WebhookOutcomes.Unprotected;
                Log.ForwardedUnprotected(_logger, request.Route.RouteId, policy.Name);
                return null;
            case ClaimStatus.StoreUnavailable:
                return Answer.StoreUnavailable;
            default:
                return null;
        }
    }

    /// <summary>
    /// Marks a claimed delivery delivered (the upstream acknowledged it) or releases it. Not on the request's token: a
    /// client that went away must not keep its claim from being settled.
    /// </summary>
    public async Task SettleAsync(WebhookRequest request, bool acknowledged, int statusCode)
    {
        if (request.Claim.Status != ClaimStatus.Claimed || !request.Policy.Deduplication.Enabled)
        {
            return;
        }

        var store = _deduplication.Store;
        var settled = acknowledged
            ? await store.CompleteAsync(request.Key, request.Claim.Token, statusCode, request.TimeToLive, CancellationToken.None).ConfigureAwait(false)
            : await store.ReleaseAsync(request.Key, request.Claim.Token, CancellationToken.None).ConfigureAwait(false);
        if (!settled)
        {
            Log.SettleFailed(_logger, request.Route.RouteId, request.Policy.Name, acknowledged ? "complete" : "release");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2006, LogLevel.Warning, "The duplicate store is unavailable: webhook on route {Route} (policy {Policy}) forwarded without duplicate protection (Deduplication:OnStoreUnavailable = Forward).")]
        public static partial void ForwardedUnprotected(ILogger logger, string route, string policy);

        [LoggerMessage(2007, LogLevel.Warning, "Could not {Operation} the duplicate-store claim of a delivery on route {Route} (policy {Policy}) now: the store is unavailable (it retries in the background) or the claim's lease lapsed. Repeats are answered 409 until it is settled or lapses.")]
        public static partial void SettleFailed(ILogger logger, string route, string policy, string operation);
    }
}
