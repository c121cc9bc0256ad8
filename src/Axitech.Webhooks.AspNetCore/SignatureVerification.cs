using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// Verifies one request under a policy, as the gateway does: the declared length against the limit before any byte is
/// read; the body read once, into one pooled buffer that grows with the bytes received, each chunk hashed as it
/// arrives; the signature over the raw target compared in constant time, then the timestamp's freshness. On success the
/// request's body is replaced by a stream over that same buffer, so the handler reads the bytes that were verified,
/// from the start, without a second copy.
/// </summary>
internal sealed class SignatureVerification
{
    private const int MinimumBuffer = 4096;

    private readonly SignaturePolicies _policies;
    private readonly TimeProvider _timeProvider;

    public SignatureVerification(SignaturePolicies policies, TimeProvider timeProvider)
    {
        _policies = policies;
        _timeProvider = timeProvider;
    }

    /// <summary>Verifies the request; null when it may go on (its body replaced), or the refusal to write.</summary>
    public async ValueTask<WebhookRefusal?> VerifyAsync(HttpContext context, string policyName)
    {
        var policy = _policies.Get(policyName);
        var options = policy.Options;
        var request = context.Request;
        var declared = request.ContentLength;
        if (declared > options.MaxBodyBytes)
        {
            return WebhookRefusal.BodyTooLarge;
        }

        // The policy's limit is the one enforced, exactly; the server's own (global, possibly lower) is lifted for this request.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        var signature = request.Headers[options.SignatureHeader].ToString();
        var timestamp = request.Headers[options.TimestampHeader].ToString();

        // The target as sent, still percent-encoded: what the sender signed (never the decoded Path).
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        var hmac = IncrementalSignature.Start(policy.Secrets, request.Method, options.SignedPathPrefix, target, timestamp);
        byte[]? buffer = null;
        try
        {
            var (refusal, length) = await ReadAsync(context, options.MaxBodyBytes, declared, hmac, b => buffer = b).ConfigureAwait(false);
            if (refusal is not null)
            {
                return refusal;
            }

            Span<byte> signatureBytes = stackalloc byte[AxitechSignature.SizeInBytes];
            var outcome = hmac.Complete(signature, timestamp, _timeProvider.GetUtcNow(), options.Tolerance, signatureBytes, out var signedAt);
            if (outcome != WebhookVerificationOutcome.Valid)
            {
                return WebhookRefusal.Unauthorized(outcome);
            }

            // As in the gateway: one timestamp form per policy, or with Any only the split with the longest timestamp is
            // accepted (SECURITY.md, "The signed string has no separators").
            if (options.TimestampFormat != WebhookTimestampFormat.Any)
            {
                if (!WebhookTimestamp.IsInFormat(timestamp, options.TimestampFormat))
                {
                    return WebhookRefusal.TimestampFormat;
                }
            }
            else if (WebhookTimestamp.IsContinuedBy(timestamp, buffer.AsSpan(0, length)))
            {
                return WebhookRefusal.AmbiguousTimestamp;
            }

            var body = new PooledBody(buffer ?? [], length);
            buffer = null;
            context.Response.RegisterForDispose(body);
            request.Body = body.Stream;
            context.Features.Set(new VerifiedDelivery(policy.Name, signedAt));
            return null;
        }
        finally
        {
            hmac.Dispose();
            if (buffer is { Length: > 0 })
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async ValueTask<(WebhookRefusal? Refusal, int Length)> ReadAsync(
        HttpContext context, long maxBodyBytes, long? declared, IncrementalSignature hmac, Action<byte[]?> keep)
    {
        if (declared == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            return (null, 0);
        }

        var cap = declared ?? maxBodyBytes;
        var reader = context.Request.BodyReader;
        byte[]? buffer = null;
        long length = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                var data = result.Buffer;
                if (length + data.Length > maxBodyBytes)
                {
                    // Counted as it streams (chunked, or HTTP/2 without a length): refused as soon as it passes the limit.
                    reader.AdvanceTo(data.End);
                    return (WebhookRefusal.BodyTooLarge, 0);
                }

                if (!data.IsEmpty)
                {
                    buffer = EnsureRoom(buffer, (int)length, (int)(length + data.Length), cap);
                    keep(buffer);
                    foreach (var segment in data)
                    {
                        segment.Span.CopyTo(buffer.AsSpan((int)length));
                        hmac.Append(segment.Span);
                        length += segment.Length;
                    }
                }

                reader.AdvanceTo(data.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return (null, (int)length);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => WebhookRefusal.BodyTooLarge,
                StatusCodes.Status408RequestTimeout => WebhookRefusal.BodyTimeout,
                _ => WebhookRefusal.InvalidBody,
            }, 0);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionAbortedException)
        {
            return (WebhookRefusal.ClientAborted, 0);
        }
    }

    /// <summary>
    /// Room for <paramref name="needed"/> bytes: doubled as data arrives, never past the declared length (or the limit),
    /// so headers that declare a large body reserve nothing before its bytes arrive.
    /// </summary>
    private static byte[] EnsureRoom(byte[]? buffer, int used, int needed, long cap)
    {
        if (buffer is not null && buffer.Length >= needed)
        {
            return buffer;
        }

        var size = (int)Math.Min(cap, Math.Max(needed, Math.Max(2L * used, MinimumBuffer)));
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(size, needed));
        if (buffer is not null)
        {
            buffer.AsSpan(0, used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return larger;
    }
}
