using Axitech.Webhooks;
using Microsoft.AspNetCore.Http;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>Why a request was refused, and with which status: the gateway's statuses for the same reasons.</summary>
internal sealed record WebhookRefusal(int StatusCode, string Reason)
{
    public static readonly WebhookRefusal BodyTooLarge = new(StatusCodes.Status413PayloadTooLarge, WebhookProblems.BodyTooLarge);
    public static readonly WebhookRefusal InvalidBody = new(StatusCodes.Status400BadRequest, WebhookProblems.InvalidBody);
    public static readonly WebhookRefusal AmbiguousTimestamp = new(StatusCodes.Status401Unauthorized, WebhookProblems.AmbiguousTimestamp);
    public static readonly WebhookRefusal TimestampFormat = new(StatusCodes.Status401Unauthorized, WebhookProblems.TimestampFormat);
    public static readonly WebhookRefusal BodyTimeout = new(StatusCodes.Status408RequestTimeout, WebhookProblems.InvalidBody);

    /// <summary>The client went away mid-body: nothing to write, but never a 2xx should the server still answer.</summary>
    public static readonly WebhookRefusal ClientAborted = new(StatusCodes.Status400BadRequest, "client_aborted");

    private static readonly Dictionary<WebhookVerificationOutcome, WebhookRefusal> _unauthorized = Enum.GetValues<WebhookVerificationOutcome>()
        .Where(o => o != WebhookVerificationOutcome.Valid)
        .ToDictionary(o => o, o => new WebhookRefusal(StatusCodes.Status401Unauthorized, o.ToReasonCode()));

    public static WebhookRefusal Unauthorized(WebhookVerificationOutcome outcome) => _unauthorized[outcome];

    public Task WriteAsync(HttpContext context)
    {
        if (ReferenceEquals(this, ClientAborted) || context.RequestAborted.IsCancellationRequested)
        {
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCode;
            }

            return Task.CompletedTask;
        }

        return WebhookProblems.WriteAsync(context, StatusCode, Reason);
    }
}
