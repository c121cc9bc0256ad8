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
/// store cannot commit, already holds <see cref="DeliveryQueueOptions.MaxPendingAcceptances"/> acceptances waiting
/// for a commit, or has not committed within <see cref="DeliveryQueueOptions.AcceptTimeout"/>, the answer is 503 with
/// Retry-After and nothing is acknowledged.
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
    private readonly TimeSpan _acceptTimeout;

    public QueueAcceptor(
        IDeliveryStore store,
        DeduplicationService deduplication,
        DeliverySignals signals,
        WebhookAnswers answers,
        TimeProvider timeProvider,
        DeliveryQueueOptions options)
    {
        _acceptTimeout = options.AcceptTimeout;
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

        // The wait ends when the sender leaves or the timeout passes: an acceptance not yet taken into a batch is then
        // not written (nobody was answered 202 for it), so a hung database neither holds the sender nor stores a
        // delivery behind its back. One whose batch is being written may still be committed: its sender's retry is a
        // repeat (answered 200 with the original's id when the policy deduplicates).
        using var timeout = new CancellationTokenSource(_acceptTimeout, _timeProvider);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(request.Context.RequestAborted, timeout.Token);
        AcceptResult result;
        try
        {
            result = await _store.AcceptAsync(
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
                deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (request.Context.RequestAborted.IsCancellationRequested)
        {
            await _answers.WriteAsync(request, Answer.ClientAborted).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = AcceptResult.Unavailable;
        }

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
