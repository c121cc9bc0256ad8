using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// Runs a verified delivery's handler once per <c>X-Axitech-Delivery-Id</c>. The id's record in the distributed cache is
/// <c>running</c> while the handler runs (for at most <see cref="DeliveryIdempotencyOptions.InFlightTimeout"/>, so a
/// crash frees it), then <c>done:{status}</c> for <see cref="DeliveryIdempotencyOptions.Retention"/> after a 2xx, or
/// removed after anything else. Within one process a gate makes the claim atomic; across instances the claim is a
/// read then a write (IDistributedCache has no add-if-absent), so two copies reaching two instances within one cache
/// round trip of each other can both run: docs/packages.md says when that can happen.
/// </summary>
internal sealed partial class DeliveryIdempotency
{
    /// <summary>The header the gateway sets on every attempt of a queued delivery.</summary>
    public const string DeliveryIdHeader = "X-Axitech-Delivery-Id";

    /// <summary>Set on an answer given from the record, without running the handler.</summary>
    public const string DuplicateHeader = "X-Axitech-Duplicate";

    private const int MaxIdLength = 128;
    private const string Running = "running";
    private const string DonePrefix = "done:";

    private readonly IDistributedCache _cache;
    private readonly DeliveryIdempotencyOptions _options;
    private readonly ILogger<DeliveryIdempotency> _logger;
    private readonly ConcurrentDictionary<string, byte> _local = new(StringComparer.Ordinal);

    public DeliveryIdempotency(IDistributedCache cache, IOptions<DeliveryIdempotencyOptions> options, ILogger<DeliveryIdempotency> logger)
    {
        _cache = cache;
        _options = options.Value;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var id = context.Request.Headers[DeliveryIdHeader];
        return id.Count == 0 ? next(context) : InvokeAsync(context, id.ToString(), next);
    }

    private async Task InvokeAsync(HttpContext context, string id, RequestDelegate next)
    {
        if (id.Length is 0 or > MaxIdLength || !id.All(c => c is > ' ' and < (char)127))
        {
            await WebhookProblems.WriteAsync(context, StatusCodes.Status400BadRequest, WebhookProblems.InvalidDeliveryId).ConfigureAwait(false);
            return;
        }

        // The record is read and written with CancellationToken.None: a sender that hangs up must not leave a
        // handler's completed work unrecorded.
        var key = _options.KeyPrefix + id;
        var record = await _cache.GetStringAsync(key, CancellationToken.None).ConfigureAwait(false);
        if (record is not null)
        {
            await AnswerFromRecordAsync(context, id, record).ConfigureAwait(false);
            return;
        }

        if (!_local.TryAdd(key, 0))
        {
            await InFlightAsync(context).ConfigureAwait(false);
            return;
        }

        try
        {
            // Read again now that this process's gate is held: another copy may have finished in between.
            record = await _cache.GetStringAsync(key, CancellationToken.None).ConfigureAwait(false);
            if (record is not null)
            {
                await AnswerFromRecordAsync(context, id, record).ConfigureAwait(false);
                return;
            }

            await _cache.SetStringAsync(key, Running, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.InFlightTimeout }, CancellationToken.None).ConfigureAwait(false);

            // A 2xx is recorded before its headers leave, so no sender can see the 2xx and then find the id still running.
            var recorded = false;
            context.Response.OnStarting(async () =>
            {
                if (context.Response.StatusCode is >= 200 and <= 299)
                {
                    await CompletedAsync(key, id, context.Response.StatusCode).ConfigureAwait(false);
                    recorded = true;
                }
            });
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch when (recorded)
            {
                // The handler finished and its 2xx was being written when the sender went away (a gateway killed
                // mid-attempt): the work is done and stays recorded, or the retry would do it again.
                throw;
            }
            catch
            {
                await ForgetAsync(key, id).ConfigureAwait(false);
                throw;
            }

            var status = context.Response.StatusCode;
            if (status is >= 200 and <= 299)
            {
                if (!recorded)
                {
                    await CompletedAsync(key, id, status).ConfigureAwait(false);
                }
            }
            else
            {
                await ForgetAsync(key, id).ConfigureAwait(false);
            }
        }
        finally
        {
            _local.TryRemove(key, out _);
        }
    }

    private async Task CompletedAsync(string key, string id, int status)
    {
        await _cache.SetStringAsync(key, DonePrefix + status.ToString(CultureInfo.InvariantCulture), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.Retention }, CancellationToken.None).ConfigureAwait(false);
        Log.Completed(_logger, id, status);
    }

    private async Task AnswerFromRecordAsync(HttpContext context, string id, string record)
    {
        if (record.StartsWith(DonePrefix, StringComparison.Ordinal)
            && int.TryParse(record.AsSpan(DonePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            Log.Repeat(_logger, id, status);
            context.Response.StatusCode = status;
            context.Response.Headers[DuplicateHeader] = "true";
            context.Response.Headers[DeliveryIdHeader] = id;
            context.Response.ContentLength = 0;
            return;
        }

        await InFlightAsync(context).ConfigureAwait(false);
    }

    private static Task InFlightAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return WebhookProblems.WriteAsync(context, StatusCodes.Status409Conflict, WebhookProblems.InFlight);
    }

    private async Task ForgetAsync(string key, string id)
    {
        try
        {
            await _cache.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            Log.Freed(_logger, id);
        }
        catch (Exception ex)
        {
            // The running record then expires after InFlightTimeout; repeats get 409 until it does.
            Log.FreeFailed(_logger, id, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2801, LogLevel.Debug, "Delivery {DeliveryId} processed with status {StatusCode}; repeats will be answered from its record.")]
        public static partial void Completed(ILogger logger, string deliveryId, int statusCode);

        [LoggerMessage(2802, LogLevel.Information, "Delivery {DeliveryId} repeated after it was processed: answered {StatusCode} without running the handler.")]
        public static partial void Repeat(ILogger logger, string deliveryId, int statusCode);

        [LoggerMessage(2803, LogLevel.Debug, "Delivery {DeliveryId} was not processed (failure or exception): its id is free for a retry.")]
        public static partial void Freed(ILogger logger, string deliveryId);

        [LoggerMessage(2804, LogLevel.Warning, "Delivery {DeliveryId} failed, and its id could not be freed in the cache: repeats are answered 409 until its in-flight record expires.")]
        public static partial void FreeFailed(ILogger logger, string deliveryId, Exception exception);
    }
}
