using System.Globalization;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The second stage: reads the body whole into a pooled buffer and feeds every chunk to the running HMACs as it
/// arrives. Memory follows the bytes received, not the bytes declared: no buffer is rented before the first body byte
/// is in, and the buffer grows at most to twice what has arrived, so headers that declare a large body cost nothing.
/// What an unverified body may hold is bounded twice: in bytes, by the client's and the gateway's budget (reserved
/// before reading: the declared length, or for a body without one each step of the buffer's growth), and in time, by
/// <see cref="LimitsOptions.BodyTimeout"/> for the whole body.
/// </summary>
internal sealed class BodyReader
{
    /// <summary>The smallest buffer rented (unless the declared body is smaller).</summary>
    private const int MinimumBuffer = 4096;

    private readonly UnverifiedBodyBudget _budget;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _bodyTimeout;
    private readonly Answer _clientFull;
    private readonly Answer _gatewayFull;

    public BodyReader(UnverifiedBodyBudget budget, TimeProvider timeProvider, LimitsOptions limits)
    {
        _budget = budget;
        _timeProvider = timeProvider;
        _bodyTimeout = limits.BodyTimeout;

        // A reservation lasts at most one body timeout.
        var retryAfter = Math.Max(1, (int)Math.Ceiling(_bodyTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        _clientFull = Answer.Reject(StatusCodes.Status429TooManyRequests, WebhookOutcomes.UnverifiedBytesPerClient) with { CountsAsFailure = false, RetryAfter = retryAfter, BodyUnread = true };
        _gatewayFull = Answer.Reject(StatusCodes.Status503ServiceUnavailable, WebhookOutcomes.UnverifiedBytes) with { CountsAsFailure = false, RetryAfter = retryAfter, BodyUnread = true };
    }

    public async ValueTask<Answer?> ReadAsync(WebhookRequest request)
    {
        var context = request.Context;
        var maxBodyBytes = request.Policy.MaxBodyBytes;

        // The limit is the policy's, and exact: YARP's per-route MaxRequestBodySize does not protect a stage that runs
        // before the forwarder, and Kestrel's own (global, possibly lower) limit is lifted for this request.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var declared = context.Request.ContentLength;
        var cap = declared ?? maxBodyBytes;
        if (declared == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            request.SetBody([], 0);
            return null;
        }

        if (Refusal(request.Reserve(_budget, declared ?? Math.Min(MinimumBuffer, maxBodyBytes))) is { } refused)
        {
            return refused;
        }

        var reader = context.Request.BodyReader;
        byte[]? buffer = null;
        long length = 0;
        using var deadline = new CancellationTokenSource(_bodyTimeout, _timeProvider);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, deadline.Token);
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellation.Token).ConfigureAwait(false);
                var data = result.Buffer;
                if (length + data.Length > maxBodyBytes)
                {
                    // Counted as it streams (chunked, or HTTP/2 without a length): refused as soon as it passes the limit.
                    reader.AdvanceTo(data.End);
                    request.BodyLength = length + data.Length;
                    Return(buffer);
                    return Answer.BodyTooLarge;
                }

                // Without a declared length, the reservation grows ahead of the buffer, as the buffer does.
                if (length + data.Length > request.UnverifiedBytes
                    && Refusal(request.Reserve(_budget, Math.Min(maxBodyBytes, Math.Max(length + data.Length, 2 * request.UnverifiedBytes)) - request.UnverifiedBytes)) is { } over)
                {
                    reader.AdvanceTo(data.End);
                    request.BodyLength = length + data.Length;
                    Return(buffer);
                    return over;
                }

                if (!data.IsEmpty)
                {
                    buffer = EnsureRoom(buffer, (int)length, (int)(length + data.Length), cap);
                    foreach (var segment in data)
                    {
                        segment.Span.CopyTo(buffer.AsSpan((int)length));
                        request.Hmac.Append(segment.Span);
                        length += segment.Length;
                    }
                }

                reader.AdvanceTo(data.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            request.BodyLength = length;
            Return(buffer);
            return Answer.BodyDeadline;
        }
        catch (BadHttpRequestException ex)
        {
            request.BodyLength = length;
            Return(buffer);
            return ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => Answer.BodyTooLarge,
                StatusCodes.Status408RequestTimeout => Answer.BodyTimeout,
                _ => Answer.InvalidBody,
            };
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException)
        {
            // The client went away (Kestrel throws the same bare IOException for a chunk size that overflows, with the
            // client still there: it gets a 400 without a body).
            request.BodyLength = length;
            Return(buffer);
            return Answer.ClientAborted;
        }

        request.SetBody(buffer ?? [], (int)length);
        return null;
    }

    private Answer? Refusal(BudgetOutcome outcome) => outcome switch
    {
        BudgetOutcome.ClientFull => _clientFull,
        BudgetOutcome.GatewayFull => _gatewayFull,
        _ => null,
    };

    /// <summary>
    /// A buffer with room for <paramref name="needed"/> bytes: doubled as data arrives, never past the declared length
    /// (or the limit), and never reserved ahead of what has arrived by more than the bytes already in.
    /// </summary>
    private static byte[] EnsureRoom(byte[]? buffer, int used, int needed, long cap)
    {
        if (buffer is not null && buffer.Length >= needed)
        {
            return buffer;
        }

        var size = (int)Math.Min(cap, Math.Max(needed, Math.Max(2L * used, MinimumBuffer)));
        var larger = BodyBuffers.Rent(Math.Max(size, needed));
        if (buffer is not null)
        {
            buffer.AsSpan(0, used).CopyTo(larger);
            BodyBuffers.Return(buffer);
        }

        return larger;
    }

    private static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            BodyBuffers.Return(buffer);
        }
    }
}
