using System.Buffers;
using System.Diagnostics;
using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Telemetry;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Runs inside YARP's proxy pipeline, after a route matched and before anything is sent upstream. Reads the body
/// once into a pooled buffer (behind room for the signed prefix, so that one HMAC pass covers the whole message),
/// verifies it against the route's policy, claims it in the duplicate store, and hands the same bytes to the
/// forwarder. Nothing unverified is forwarded; nothing the upstream did not acknowledge is remembered as delivered.
/// </summary>
internal sealed partial class WebhookVerificationMiddleware
{
    /// <summary>Set on answers to a repeat of a delivered delivery; removed from incoming requests.</summary>
    public const string DuplicateHeader = "X-Axitech-Duplicate";

    private const int InitialUnknownLengthBuffer = 16 * 1024;
    private const string RetryAfterSeconds = "5";

    private static readonly SearchValues<char> _hexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// The body buffers' own pool. The shared pool trims its arrays on every gen2 collection and keeps few per core; at
    /// 256 KiB bodies it then missed often enough that 512 KiB arrays came from the large-object heap. Buffers up to
    /// 2 MiB (a body at the default 1 MiB limit and its prefix) are pooled, 32 of each size at the most; larger ones
    /// (a policy may allow up to 100 MiB) are allocated and left to the collector.
    /// </summary>
    private static readonly ArrayPool<byte> _bodyBuffers = ArrayPool<byte>.Create(maxArrayLength: 2 * 1024 * 1024, maxArraysPerBucket: 32);

    private readonly RequestDelegate _next;
    private readonly WebhookPolicyCatalog _catalog;
    private readonly DeduplicationService _deduplication;
    private readonly FailureThrottle _throttle;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<WebhookVerificationMiddleware> _logger;

    public WebhookVerificationMiddleware(
        RequestDelegate next,
        WebhookPolicyCatalog catalog,
        DeduplicationService deduplication,
        FailureThrottle throttle,
        GatewayMetrics metrics,
        TimeProvider timeProvider,
        ILogger<WebhookVerificationMiddleware> logger)
    {
        _next = next;
        _catalog = catalog;
        _deduplication = deduplication;
        _throttle = throttle;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetReverseProxyFeature().Route.Config;
        string? policyName = null;
        _ = route.Metadata?.TryGetValue(WebhookConfigurationReader.PolicyMetadataKey, out policyName);
        if (policyName is null || !_catalog.TryGetPolicy(policyName, out var policy))
        {
            // Fail closed. YARP's route validation makes this reachable only in the instant between a route reload
            // and the matching policy reload.
            _metrics.Webhook(route.RouteId, policyName ?? string.Empty, WebhookOutcomes.Rejected, WebhookOutcomes.PolicyUnavailable);
            Log.PolicyUnavailable(_logger, route.RouteId, policyName);
            context.Response.Headers.RetryAfter = RetryAfterSeconds;
            return ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.PolicyUnavailable);
        }

        // In phases, so that what waits is small: the header checks answer what can be refused without the body; the
        // body is read (without waiting when it came with the headers); the verification answers what it does not
        // accept (without waiting, with the in-memory store); forwarding holds only the accepted delivery. The span
        // passes from phase to phase, and ends when the request is answered or accepted.
        var serverActivity = Activity.Current;
        var rejection = new Rejection(this, context, route.RouteId, policy, context.Connection.RemoteIpAddress ?? IPAddress.None)
        {
            Activity = GatewayTelemetry.StartVerification(route.RouteId, policy.Name),
        };
        Task? refused;
        SignedHeaders signed;
        try
        {
            refused = CheckHeaders(context, ref rejection, route.Match.Methods, out signed);
        }
        catch
        {
            rejection.Activity?.Dispose();
            throw;
        }

        if (refused is not null)
        {
            rejection.Activity?.Dispose();
            return refused;
        }

        // The span is current again only while the body is verified (VerifyAsync, whose changes to the current activity
        // stay its own): the forwarded request, which may start from here, is a child of the server span.
        if (rejection.Activity is not null)
        {
            Activity.Current = serverActivity;
        }

        var read = ReadBodyAsync(context, signed.PrefixLength, policy.MaxBodyBytes);
        return read.IsCompletedSuccessfully
            ? VerifyThenForward(context, rejection, signed, read.Result)
            : ReadThenVerifyAsync(context, rejection, signed, read);
    }

    private async Task ReadThenVerifyAsync(HttpContext context, Rejection rejection, SignedHeaders signed, ValueTask<BodyReadResult> read)
    {
        BodyReadResult body;
        try
        {
            body = await read.ConfigureAwait(false);
        }
        catch
        {
            rejection.Activity?.Dispose();
            throw;
        }

        await VerifyThenForward(context, rejection, signed, body).ConfigureAwait(false);
    }

    private Task VerifyThenForward(HttpContext context, Rejection rejection, SignedHeaders signed, BodyReadResult body)
    {
        var verification = VerifyAsync(context, rejection, signed, body);
        if (!verification.IsCompletedSuccessfully)
        {
            return AwaitVerificationThenForwardAsync(context, verification);
        }

        var delivery = verification.Result;
        return delivery.Buffer is null ? Task.CompletedTask : ForwardAsync(context, delivery);
    }

    private async Task AwaitVerificationThenForwardAsync(HttpContext context, ValueTask<AcceptedDelivery> verification)
    {
        var delivery = await verification.ConfigureAwait(false);
        if (delivery.Buffer is not null)
        {
            await ForwardAsync(context, delivery).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What can be refused before the body is read: throttled clients, methods, targets, the two headers' form and a
    /// declared length over the limit. Returns the answer under way, or null (and the signed headers) to go on.
    /// </summary>
    private Task? CheckHeaders(HttpContext context, ref Rejection rejection, IReadOnlyList<string>? routeMethods, out SignedHeaders signed)
    {
        signed = default;
        var request = context.Request;
        var policy = rejection.Policy;
        if (_throttle.IsThrottled(rejection.Client))
        {
            context.Response.Headers.RetryAfter = _throttle.RetryAfterSeconds;
            return rejection.RejectAsync(StatusCodes.Status429TooManyRequests, WebhookOutcomes.RateLimited, countAsFailure: false);
        }

        // The scheme signs the method upper-cased, so "post" carries a valid signature for "POST"; but methods are
        // case-sensitive (RFC 9110 §9.1), and routing and HttpMethods.IsPost are not: the upstream would receive a
        // method nobody signed. Only the upper-case form, the one that was signed, is accepted.
        var postOnly = routeMethods is null;
        if (request.Method.AsSpan().ContainsAnyInRange('a', 'z') || (postOnly && !HttpMethods.IsPost(request.Method)))
        {
            context.Response.Headers.Allow = postOnly ? HttpMethods.Post : string.Join(", ", routeMethods!);
            return rejection.RejectAsync(StatusCodes.Status405MethodNotAllowed, WebhookOutcomes.MethodNotAllowed);
        }

        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        if (!RawTarget.IsAcceptable(rawTarget))
        {
            return rejection.RejectAsync(StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidTarget);
        }

        // Duplicated headers join with commas and so fail like any other malformed value.
        var signature = request.Headers[policy.SignatureHeader].ToString();
        var timestamp = request.Headers[policy.TimestampHeader].ToString();
        var cheapOutcome = PreCheck(signature, timestamp);
        if (cheapOutcome != WebhookVerificationOutcome.Valid)
        {
            return rejection.RejectAsync(StatusCodes.Status401Unauthorized, cheapOutcome.ToReasonCode());
        }

        if (request.ContentLength > policy.MaxBodyBytes)
        {
            rejection.BodyLength = request.ContentLength.Value;
            return rejection.RejectAsync(StatusCodes.Status413PayloadTooLarge, WebhookOutcomes.BodyTooLarge);
        }

        signed = new SignedHeaders(signature, timestamp, rawTarget, AxitechSignature.GetPrefixByteCount(request.Method, policy.SignedPathPrefix, rawTarget, timestamp));
        return null;
    }

    /// <summary>
    /// Verifies the body and claims the delivery in the duplicate store. Answers the request and returns <c>default</c>
    /// unless it is accepted; an accepted delivery's buffer passes to the caller, which forwards it. Ends the span.
    /// </summary>
    private async ValueTask<AcceptedDelivery> VerifyAsync(HttpContext context, Rejection rejection, SignedHeaders signed, BodyReadResult body)
    {
        using var activity = rejection.Activity;
        if (activity is not null)
        {
            Activity.Current = activity;
        }

        var route = rejection.Route;
        var policy = rejection.Policy;
        var client = rejection.Client;
        var prefixLength = signed.PrefixLength;
        rejection.BodyLength = body.Length;
        if (body.Buffer is null)
        {
            await rejection.RejectAsync(body.FailureStatus, body.FailureReason!, countAsFailure: body.FailureReason != WebhookOutcomes.ClientAborted).ConfigureAwait(false);
            return default;
        }

        var returnBuffer = true;
        try
        {
            _metrics.BodySize(route, policy.Name, body.Length);
            var started = Stopwatch.GetTimestamp();
            var outcome = Verify(policy, body.Buffer, body.Length, context.Request.Method, signed, out var deliveredAt, out var key);
            _metrics.VerificationDuration(route, policy.Name, Stopwatch.GetElapsedTime(started));
            if (outcome != WebhookVerificationOutcome.Valid)
            {
                await rejection.RejectAsync(StatusCodes.Status401Unauthorized, outcome.ToReasonCode()).ConfigureAwait(false);
                return default;
            }

            var claim = new DeduplicationClaim(ClaimStatus.Claimed);
            var timeToLive = TimeSpan.Zero;
            string? acceptedReason = null;
            if (policy.Deduplication.Enabled)
            {
                timeToLive = _deduplication.TimeToLive(policy, deliveredAt);
                claim = await _deduplication.Store.TryClaimAsync(key, DeduplicationService.Lease(policy, timeToLive), context.RequestAborted).ConfigureAwait(false);
                switch (claim.Status)
                {
                    case ClaimStatus.Delivered:
                        _metrics.Webhook(route, policy.Name, WebhookOutcomes.Duplicate, WebhookOutcomes.Delivered);
                        GatewayTelemetry.SetOutcome(activity, WebhookOutcomes.Duplicate, WebhookOutcomes.Delivered, body.Length);
                        Log.Duplicate(_logger, route, policy.Name, WebhookOutcomes.Delivered, client);
                        context.Response.StatusCode = claim.DeliveredStatusCode;
                        context.Response.Headers[DuplicateHeader] = "true";
                        context.Response.ContentLength = 0;
                        return default;
                    case ClaimStatus.InFlight:
                        _metrics.Webhook(route, policy.Name, WebhookOutcomes.Duplicate, WebhookOutcomes.InFlight);
                        GatewayTelemetry.SetOutcome(activity, WebhookOutcomes.Duplicate, WebhookOutcomes.InFlight, body.Length);
                        Log.Duplicate(_logger, route, policy.Name, WebhookOutcomes.InFlight, client);
                        context.Response.Headers.RetryAfter = RetryAfterSeconds;
                        await ProblemResponses.WriteAsync(context, StatusCodes.Status409Conflict, WebhookOutcomes.InFlight).ConfigureAwait(false);
                        return default;
                    case ClaimStatus.StoreFull:
                        context.Response.Headers.RetryAfter = RetryAfterSeconds;
                        await rejection.RejectAsync(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.StoreFull, countAsFailure: false).ConfigureAwait(false);
                        return default;
                    case ClaimStatus.StoreUnavailable when policy.Deduplication.OnStoreUnavailable == StoreUnavailableBehavior.Forward:
                        acceptedReason = WebhookOutcomes.Unprotected;
                        Log.ForwardedUnprotected(_logger, route, policy.Name);
                        break;
                    case ClaimStatus.StoreUnavailable:
                        context.Response.Headers.RetryAfter = RetryAfterSeconds;
                        await rejection.RejectAsync(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.StoreUnavailable, countAsFailure: false).ConfigureAwait(false);
                        return default;
                }
            }

            _metrics.Webhook(route, policy.Name, WebhookOutcomes.Accepted, acceptedReason);
            GatewayTelemetry.SetOutcome(activity, WebhookOutcomes.Accepted, acceptedReason, body.Length);
            Log.Accepted(_logger, route, policy.Name, body.Length);

            // End the verification span here, so that the forwarded request is a child of the server span.
            activity?.Stop();
            returnBuffer = false;
            return new AcceptedDelivery(route, policy, body.Buffer, prefixLength, body.Length, key, claim, timeToLive);
        }
        finally
        {
            if (returnBuffer)
            {
                _bodyBuffers.Return(body.Buffer);
            }
        }
    }

    /// <summary>
    /// Forwards an accepted delivery from its buffer, then settles its claim: delivered if the upstream acknowledged it,
    /// released otherwise.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, AcceptedDelivery delivery)
    {
        var bodyStream = new BufferedBodyStream(delivery.Buffer, delivery.PrefixLength, delivery.BodyLength, _bodyBuffers);
        context.Request.Body = bodyStream;
        var forwarded = false;
        try
        {
            await _next(context).ConfigureAwait(false);
            forwarded = true;
        }
        finally
        {
            var status = context.Response.StatusCode;
            var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
            _metrics.UpstreamRequest(delivery.Route, status, ForwarderErrors.Name(error));
            GatewayTelemetry.TagServerError(context);

            // The buffer goes back to its pool now, or when the send that still holds it ends. After a forwarding error
            // the forwarder may still hold the body stream: that buffer is left to the GC rather than handed to another
            // request. (The duplicate-store key is a hash, not a view of the buffer.)
            if (forwarded && error == ForwarderError.None)
            {
                bodyStream.Release();
            }

            if (delivery.Claim.Status == ClaimStatus.Claimed && delivery.Policy.Deduplication.Enabled)
            {
                await SettleClaimAsync(delivery, forwarded && UpstreamAcknowledged(status, error), status).ConfigureAwait(false);
            }
        }
    }

    private async Task SettleClaimAsync(AcceptedDelivery delivery, bool acknowledged, int statusCode)
    {
        // Not the request's token: a client that went away must not keep its claim from being settled.
        var store = _deduplication.Store;
        if (acknowledged)
        {
            if (!await store.CompleteAsync(delivery.Key, delivery.Claim.Token, statusCode, delivery.TimeToLive, CancellationToken.None).ConfigureAwait(false))
            {
                Log.SettleFailed(_logger, delivery.Route, delivery.Policy.Name, "complete");
            }
        }
        else if (!await store.ReleaseAsync(delivery.Key, delivery.Claim.Token, CancellationToken.None).ConfigureAwait(false))
        {
            Log.SettleFailed(_logger, delivery.Route, delivery.Policy.Name, "release");
        }
    }

    /// <summary>
    /// The upstream acknowledged the delivery when it answered 2xx. A failure after its 2xx headers (the client went
    /// away while the answer was copied, or the answer's body broke) does not undo that acknowledgement; anything before
    /// it (unreachable, timeout, client gone before the answer) does.
    /// </summary>
    private static bool UpstreamAcknowledged(int status, ForwarderError error)
    {
        if (status is < 200 or > 299)
        {
            return false;
        }

        return error is ForwarderError.None or ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyDestination;
    }

    private static WebhookVerificationOutcome PreCheck(string signature, string timestamp)
    {
        if (signature.Length == 0)
        {
            return WebhookVerificationOutcome.MissingSignature;
        }

        if (timestamp.Length == 0)
        {
            return WebhookVerificationOutcome.MissingTimestamp;
        }

        // Not 64 hex characters: invalid without reading the body.
        return signature.Length != AxitechSignature.HexLength || signature.AsSpan().ContainsAnyExcept(_hexDigits)
            ? WebhookVerificationOutcome.InvalidSignature
            : WebhookVerificationOutcome.Valid;
    }

    private WebhookVerificationOutcome Verify(
        WebhookPolicy policy, byte[] buffer, int bodyLength, string method, SignedHeaders signed, out DateTimeOffset deliveredAt, out DeduplicationKey key)
    {
        var prefixLength = signed.PrefixLength;
        var written = AxitechSignature.WritePrefix(buffer, method, policy.SignedPathPrefix, signed.RawTarget, signed.Timestamp);
        Debug.Assert(written == prefixLength, "The prefix is laid out exactly in the room reserved for it.");

        Span<byte> signatureBytes = stackalloc byte[AxitechSignature.SizeInBytes];
        var outcome = WebhookVerifier.Verify(
            buffer.AsSpan(0, prefixLength + bodyLength), signed.Signature, signed.Timestamp, policy.Secrets, _timeProvider.GetUtcNow(), policy.Tolerance, signatureBytes, out deliveredAt);
        key = outcome == WebhookVerificationOutcome.Valid && policy.Deduplication.Enabled
            ? DeduplicationService.CreateKey(policy, signatureBytes, buffer.AsMemory(prefixLength, bodyLength))
            : default;
        return outcome;
    }

    private static async ValueTask<BodyReadResult> ReadBodyAsync(HttpContext context, int prefixLength, long maxBodyBytes)
    {
        var request = context.Request;

        // YARP's per-route MaxRequestBodySize does not protect middleware that runs before the forwarder: the limit is
        // ours, and exact: at most maxBodyBytes + 1 body bytes are ever read below. Kestrel's own limit is lifted for
        // this request, because for a chunked body it counts the chunk framing too and would refuse a body that is
        // within the policy's limit (and its global default may be lower than the policy's).
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var expected = request.ContentLength;
        var canHaveBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? true;
        var buffer = _bodyBuffers.Rent(prefixLength + (int)(expected ?? Math.Min(InitialUnknownLengthBuffer, maxBodyBytes + 1)));
        var length = 0;
        try
        {
            if (expected is { } contentLength)
            {
                while (length < contentLength)
                {
                    var read = await request.Body.ReadAsync(buffer.AsMemory(prefixLength + length, (int)contentLength - length), context.RequestAborted).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return BodyReadResult.Failed(buffer, length, StatusCodes.Status400BadRequest, WebhookOutcomes.InvalidBody);
                    }

                    length += read;
                }

                return new BodyReadResult(buffer, length, 0, null);
            }

            // No Content-Length (chunked, or HTTP/2 without one): counted as it streams, refused as soon as it passes
            // the limit. The room is capped one byte past the limit, which is how passing it is seen.
            var room = prefixLength + maxBodyBytes + 1;
            while (canHaveBody)
            {
                if (prefixLength + length == buffer.Length)
                {
                    buffer = Grow(buffer, prefixLength + length, (int)Math.Min((long)buffer.Length * 2, room));
                }

                var end = (int)Math.Min(buffer.Length, room);
                var read = await request.Body.ReadAsync(buffer.AsMemory(prefixLength + length, end - prefixLength - length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBodyBytes)
                {
                    return BodyReadResult.Failed(buffer, length, StatusCodes.Status413PayloadTooLarge, WebhookOutcomes.BodyTooLarge);
                }
            }

            return new BodyReadResult(buffer, length, 0, null);
        }
        catch (BadHttpRequestException ex)
        {
            return BodyReadResult.Failed(
                buffer,
                length,
                ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? StatusCodes.Status413PayloadTooLarge : ex.StatusCode,
                ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? WebhookOutcomes.BodyTooLarge : WebhookOutcomes.InvalidBody);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client went away: not an error of ours, and nothing to answer. (Kestrel throws the same bare
            // IOException for a chunk size that overflows, with the client still there: it gets a 400 without a body.)
            return BodyReadResult.Failed(buffer, length, StatusCodes.Status400BadRequest, WebhookOutcomes.ClientAborted);
        }
    }

    private static byte[] Grow(byte[] buffer, int used, int newSize)
    {
        var larger = _bodyBuffers.Rent(newSize);
        buffer.AsSpan(0, used).CopyTo(larger);
        _bodyBuffers.Return(buffer);
        return larger;
    }

    /// <summary>The signed headers of a request that passed <see cref="CheckHeaders"/>, and the length of the signed prefix.</summary>
    private readonly record struct SignedHeaders(string Signature, string Timestamp, string RawTarget, int PrefixLength);

    /// <summary>A verified, claimed delivery on its way upstream: its pooled buffer, and what settling its claim needs.</summary>
    private readonly record struct AcceptedDelivery(
        string Route, WebhookPolicy Policy, byte[] Buffer, int PrefixLength, int BodyLength, DeduplicationKey Key, DeduplicationClaim Claim, TimeSpan TimeToLive);

    private readonly record struct BodyReadResult(byte[]? Buffer, int Length, int FailureStatus, string? FailureReason)
    {
        public static BodyReadResult Failed(byte[] rented, int length, int status, string reason)
        {
            _bodyBuffers.Return(rented);
            return new BodyReadResult(null, length, status, reason);
        }
    }

    /// <summary>
    /// Everything a rejection reports: the count, the span, the log line, the throttle and the answer. A struct, passed
    /// from phase to phase (and carrying the route, policy, client and span along): the accepted path, the one that
    /// matters for throughput, allocates nothing for it.
    /// </summary>
    private struct Rejection(WebhookVerificationMiddleware owner, HttpContext context, string route, WebhookPolicy policy, IPAddress client)
    {
        public readonly string Route => route;

        public readonly WebhookPolicy Policy => policy;

        public readonly IPAddress Client => client;

        public Activity? Activity { get; set; }

        public long BodyLength { get; set; } = -1;

        public Task RejectAsync(int statusCode, string reason, bool countAsFailure = true)
        {
            owner._metrics.Webhook(route, policy.Name, WebhookOutcomes.Rejected, reason);
            GatewayTelemetry.SetOutcome(Activity, WebhookOutcomes.Rejected, reason, BodyLength);
            if (reason == WebhookOutcomes.RateLimited)
            {
                Log.Throttled(owner._logger, route, policy.Name, client);
            }
            else
            {
                Log.Rejected(owner._logger, route, policy.Name, reason, client, BodyLength);
            }

            if (countAsFailure)
            {
                owner._throttle.RecordFailure(client);
            }

            if (reason == WebhookOutcomes.ClientAborted || context.RequestAborted.IsCancellationRequested)
            {
                // No body to write, but never the default 200: should Kestrel still answer, it answers the refusal.
                if (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = statusCode;
                    GatewayTelemetry.TagServerError(context);
                }

                return Task.CompletedTask;
            }

            return ProblemResponses.WriteAsync(context, statusCode, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Warning, "Webhook rejected on route {Route} (policy {Policy}): {Reason}; remote {RemoteAddress}, body length {BodyLength}.")]
        public static partial void Rejected(ILogger logger, string route, string policy, string reason, IPAddress remoteAddress, long bodyLength);

        [LoggerMessage(2002, LogLevel.Information, "Webhook accepted on route {Route} (policy {Policy}), body length {BodyLength}; forwarding.")]
        public static partial void Accepted(ILogger logger, string route, string policy, long bodyLength);

        [LoggerMessage(2003, LogLevel.Information, "Webhook repeat on route {Route} (policy {Policy}) answered by the gateway: {Reason}; remote {RemoteAddress}.")]
        public static partial void Duplicate(ILogger logger, string route, string policy, string reason, IPAddress remoteAddress);

        [LoggerMessage(2004, LogLevel.Debug, "Webhook from {RemoteAddress} on route {Route} (policy {Policy}) throttled: too many failed verifications.")]
        public static partial void Throttled(ILogger logger, string route, string policy, IPAddress remoteAddress);

        [LoggerMessage(2005, LogLevel.Error, "Route {Route} names webhook policy {Policy}, which is not in force; answered 503.")]
        public static partial void PolicyUnavailable(ILogger logger, string route, string? policy);

        [LoggerMessage(2006, LogLevel.Warning, "The duplicate store is unavailable: webhook on route {Route} (policy {Policy}) forwarded without duplicate protection (Deduplication:OnStoreUnavailable = Forward).")]
        public static partial void ForwardedUnprotected(ILogger logger, string route, string policy);

        [LoggerMessage(2007, LogLevel.Warning, "Could not {Operation} the duplicate-store claim of a delivery on route {Route} (policy {Policy}) now: the store is unavailable (it retries in the background) or the claim's lease lapsed. Repeats are answered 409 until it is settled or lapses.")]
        public static partial void SettleFailed(ILogger logger, string route, string policy, string operation);
    }
}
