using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// Reports and writes the gateway's own answers (refusals and answers to repeats), and reports acceptances: the count
/// (<c>axitech_gateway_webhooks_total</c>, exactly once a request), the span's outcome, the log line, and the failure
/// throttle. Accepted and duplicate deliveries are logged in the <see cref="AuditCategory"/>, off by default; refusals
/// are logged summarised (<see cref="RejectionLog"/>).
/// </summary>
internal sealed partial class WebhookAnswers
{
    /// <summary>One Information line per accepted, queued or repeated delivery, when this category is enabled.</summary>
    public const string AuditCategory = LogCategories.Audit;

    private readonly GatewayMetrics _metrics;
    private readonly FailureThrottle _throttle;
    private readonly RejectionLog _rejections;
    private readonly ILogger _audit;
    private readonly ILogger _logger;

    public WebhookAnswers(GatewayMetrics metrics, FailureThrottle throttle, RejectionLog rejections, ILoggerFactory loggerFactory)
    {
        _metrics = metrics;
        _throttle = throttle;
        _rejections = rejections;
        _audit = loggerFactory.CreateLogger(AuditCategory);
        _logger = loggerFactory.CreateLogger<WebhookAnswers>();
    }

    /// <summary>Reports a delivery accepted for forwarding, or (<paramref name="deliveryId"/> set) stored on a queued route.</summary>
    public void Accepted(WebhookRequest request, string outcome, string? deliveryId = null)
    {
        var route = request.Route.RouteId;
        var policy = request.Policy.Name;
        _metrics.Webhook(route, policy, outcome, request.AcceptedReason);
        GatewayTelemetry.SetOutcome(request.Activity, outcome, request.AcceptedReason, request.BodyLength);
        if (deliveryId is null)
        {
            Log.Accepted(_audit, route, policy, request.BodyLength);
        }
        else
        {
            Log.Queued(_audit, route, policy, request.BodyLength, deliveryId);
        }
    }

    public Task WriteAsync(WebhookRequest request, Answer answer)
    {
        var route = request.Route.RouteId;
        var policy = request.Policy.Name;
        _metrics.Webhook(route, policy, answer.Outcome, answer.Reason);
        GatewayTelemetry.SetOutcome(request.Activity, answer.Outcome, answer.Reason, request.BodyLength);
        if (answer.Outcome == WebhookOutcomes.Rejected)
        {
            _rejections.Record(route, policy, answer.Reason, request.Client, request.BodyLength);
            if (answer.CountsAsFailure)
            {
                _throttle.RecordFailure(request.Client);
            }
        }
        else
        {
            Log.Duplicate(_audit, route, policy, answer.Reason, request.Client);
        }

        return Write(request.Context, answer);
    }

    /// <summary>Answers a request whose route names no policy in force (fail closed; only between two reloads).</summary>
    public Task PolicyUnavailableAsync(HttpContext context, string route, string? policy)
    {
        _metrics.Webhook(route, policy ?? string.Empty, WebhookOutcomes.Rejected, WebhookOutcomes.PolicyUnavailable);
        Log.PolicyUnavailable(_logger, route, policy);
        context.Response.Headers.RetryAfter = "5";
        return ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.PolicyUnavailable);
    }

    private static Task Write(HttpContext context, Answer answer)
    {
        var response = context.Response;
        if (answer.RetryAfter is not null)
        {
            response.Headers.RetryAfter = answer.RetryAfter;
        }

        if (answer.BodyUnread && HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            response.Headers.Connection = "close";
        }

        if (answer.Reason == WebhookOutcomes.ClientAborted || context.RequestAborted.IsCancellationRequested)
        {
            // No body to write, but never the default 200: should Kestrel still answer, it answers the refusal.
            if (!response.HasStarted)
            {
                response.StatusCode = answer.StatusCode;
                GatewayTelemetry.TagServerError(context);
            }

            return Task.CompletedTask;
        }

        if (answer.WritesProblem)
        {
            return ProblemResponses.WriteAsync(context, answer.StatusCode, answer.Reason, answer.Detail);
        }

        response.StatusCode = answer.StatusCode;
        response.Headers[GatewayHeaders.Duplicate] = "true";
        if (answer.DeliveryId is not null)
        {
            response.Headers[GatewayHeaders.DeliveryId] = answer.DeliveryId;
        }

        response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(2002, LogLevel.Information, "Webhook accepted on route {Route} (policy {Policy}), body length {BodyLength}; forwarding.")]
        public static partial void Accepted(ILogger logger, string route, string policy, long bodyLength);

        [LoggerMessage(2003, LogLevel.Information, "Webhook repeat on route {Route} (policy {Policy}) answered by the gateway: {Reason}; remote {RemoteAddress}.")]
        public static partial void Duplicate(ILogger logger, string route, string policy, string reason, System.Net.IPAddress remoteAddress);

        [LoggerMessage(2005, LogLevel.Error, "Route {Route} names webhook policy {Policy}, which is not in force; answered 503.")]
        public static partial void PolicyUnavailable(ILogger logger, string route, string? policy);

        [LoggerMessage(2010, LogLevel.Information, "Webhook queued on route {Route} (policy {Policy}), body length {BodyLength}: delivery {DeliveryId}.")]
        public static partial void Queued(ILogger logger, string route, string policy, long bodyLength, string deliveryId);
    }
}
