using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// What the gateway answers itself instead of passing the request on: a refusal (outcome <c>rejected</c>) or an answer
/// to a repeat (outcome <c>duplicate</c>). A stage returns one to stop the request, or null to let it go on. The fixed
/// ones are made once.
/// </summary>
internal sealed record Answer(string Outcome, string Reason, int StatusCode)
{
    private const string ShortRetryAfter = "5";

    public static readonly Answer MethodNotAllowed = Reject(StatusCodes.Status405MethodNotAllowed, WebhookOutcomes.MethodNotAllowed);
    public static readonly Answer UpgradeNotAllowed = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.UpgradeNotAllowed);
    public static readonly Answer InvalidTarget = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidTarget);
    public static readonly Answer InvalidHeader = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidHeader);
    public static readonly Answer BodyTooLarge = Reject(StatusCodes.Status413PayloadTooLarge, WebhookOutcomes.BodyTooLarge);
    public static readonly Answer InvalidBody = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidBody);
    public static readonly Answer BodyTimeout = Reject(StatusCodes.Status408RequestTimeout, WebhookOutcomes.InvalidBody);
    public static readonly Answer BodyDeadline = Reject(StatusCodes.Status408RequestTimeout, WebhookOutcomes.BodyTimeout) with { BodyUnread = true };
    public static readonly Answer ClientAborted = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.ClientAborted);
    public static readonly Answer InvalidJson = Reject(StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidJson);
    public static readonly Answer StoreFull = Reject(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.StoreFull) with { CountsAsFailure = false, RetryAfter = ShortRetryAfter };
    public static readonly Answer StoreUnavailable = Reject(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.StoreUnavailable) with { CountsAsFailure = false, RetryAfter = ShortRetryAfter };
    public static readonly Answer InFlight = new(WebhookOutcomes.Duplicate, WebhookOutcomes.InFlight, StatusCodes.Status409Conflict) { RetryAfter = ShortRetryAfter, WritesProblem = true };

    /// <summary>Whether a refusal takes one of the client's permits in the failure throttle.</summary>
    public bool CountsAsFailure { get; init; }

    /// <summary>The Retry-After header's seconds, or null for none.</summary>
    public string? RetryAfter { get; init; }

    /// <summary>
    /// Whether the body is left unread: an HTTP/1.1 connection is then closed after the answer rather than kept to read
    /// what the client still sends (HTTP/2 resets the stream).
    /// </summary>
    public bool BodyUnread { get; init; }

    /// <summary>The problem's <c>detail</c> when it depends on the request (a bounded set of texts); null: the reason's own.</summary>
    public string? Detail { get; init; }

    /// <summary>Whether the answer carries an application/problem+json body; answers to delivered repeats are empty.</summary>
    public bool WritesProblem { get; init; }

    /// <summary>On an answer to a repeat: the original's delivery id (queued routes).</summary>
    public string? DeliveryId { get; init; }

    /// <summary>A refusal that counts as a failed verification for the throttle, with a problem body.</summary>
    public static Answer Reject(int statusCode, string reason) => new(WebhookOutcomes.Rejected, reason, statusCode) { CountsAsFailure = true, WritesProblem = true };

    /// <summary>The answer to a repeat of a delivery the upstream acknowledged with <paramref name="statusCode"/> (forwarded routes).</summary>
    public static Answer RepeatOfDelivered(int statusCode) => new(WebhookOutcomes.Duplicate, WebhookOutcomes.Delivered, statusCode);

    /// <summary>The answer to a repeat of a delivery stored on a queued route: 200 with the original's id.</summary>
    public static Answer RepeatOfQueued(string deliveryId) => new(WebhookOutcomes.Duplicate, WebhookOutcomes.Queued, StatusCodes.Status200OK) { DeliveryId = deliveryId };
}
