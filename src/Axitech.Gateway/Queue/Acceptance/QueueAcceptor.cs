using System.Diagnostics;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;
using Microsoft.Net.Http.Headers;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The last stage of queued routes: a verified delivery is committed to the delivery store, and only then answered
/// <c>202 Accepted</c> with its <c>X-Axitech-Delivery-Id</c>. A repeat (the policy's duplicate key, kept by the store
/// itself, across replicas on PostgreSQL) is answered 200 with the original's id and is not stored again. When the
/// store cannot commit, the answer is 503 with Retry-After and nothing is acknowledged.
/// </summary>
internal sealed class QueueAcceptor
{
    private static readonly Answer _unavailable = Answer.Reject(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.QueueUnavailable) with
    {
        CountsAsFailure = false,
        RetryAfter = "5",
    };

    private readonly IDeliveryStore _store;
    private readonly DeduplicationService _deduplication;
    private readonly DeliverySignals _signals;
    private readonly WebhookAnswers _answers;
    private readonly TimeProvider _timeProvider;

    public QueueAcceptor(IDeliveryStore store, DeduplicationService deduplication, DeliverySignals signals, WebhookAnswers answers, TimeProvider timeProvider)
    {
        _store = store;
        _deduplication = deduplication;
        _signals = signals;
        _answers = answers;
        _timeProvider = timeProvider;
    }

    public async Task AcceptAsync(WebhookRequest request)
    {
        var policy = request.Policy;
        var http = request.Context.Request;

        // Not the request's token: once submitted, an acceptance is committed or refused whole, even if the sender left.
        var result = await _store.AcceptAsync(
            new NewDelivery
            {
                RouteId = request.Route.RouteId,

                // Unique across the store, so scoped by policy (as the duplicate store's keys are).
                DedupKey = policy.Deduplication.Enabled ? $"{policy.Name}:{request.Key.ToHex()}" : null,
                Method = http.Method,
                RawTarget = request.RawTarget,
                Signature = request.Signature,
                Timestamp = request.Timestamp,
                ContentType = http.Headers[HeaderNames.ContentType].ToString() is { Length: > 0 } contentType ? contentType : null,
                Body = request.Body,
                DedupExpiresAt = _timeProvider.GetUtcNow() + _deduplication.TimeToLive(policy, request.DeliveredAt),
                TraceParent = Activity.Current?.Id,
            },
            CancellationToken.None).ConfigureAwait(false);

        switch (result.Outcome)
        {
            case AcceptOutcome.Accepted:
                var id = result.Id.ToString("D");
                _answers.Accepted(request, WebhookOutcomes.Queued, id);
                _signals.Notify(request.Route.RouteId);
                var response = request.Context.Response;
                response.StatusCode = StatusCodes.Status202Accepted;
                response.Headers[GatewayHeaders.DeliveryId] = id;
                response.ContentLength = 0;
                break;
            case AcceptOutcome.Duplicate:
                await _answers.WriteAsync(request, Answer.RepeatOfQueued(result.Id.ToString("D"))).ConfigureAwait(false);
                break;
            default:
                await _answers.WriteAsync(request, _unavailable).ConfigureAwait(false);
                break;
        }
    }
}
