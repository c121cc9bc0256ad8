using System.Buffers;
using System.Security.Cryptography;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Forwarding;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The <c>floor</c> host's one middleware: the least a proxy must do to forward only verified deliveries, and nothing
/// more. It is the four costs issue 6 names, each at its floor: read the body once (into a pooled buffer behind the
/// signed prefix), one HMAC (the gateway's pooled keyed instance), a constant-time compare, a duplicate-store round
/// trip (the gateway's in-memory store: claim, then complete); then the same bytes go upstream through the gateway's
/// own forwarding (<see cref="BufferedBodyHandoverTransform"/>, no second copy). It has none of the gateway's
/// telemetry, logging, header checks, throttling, limits or error handling: it is a yardstick, not a gateway.
/// </summary>
/// <remarks>
/// Against plain YARP it measures what verification itself costs on this machine (store-and-forward plus the HMAC);
/// the gateway against it measures everything the gateway does beyond that minimum. It relies on the load generator:
/// every request is a POST with a Content-Length and the two headers.
/// </remarks>
internal sealed class FloorProxy(TimeSpan timeToLive) : IDisposable
{
    /// <summary>Sized as the gateway's own pool of body buffers.</summary>
    private static readonly ArrayPool<byte> _buffers = ArrayPool<byte>.Create(maxArrayLength: 2 * 1024 * 1024, maxArraysPerBucket: 32);

    /// <summary>The in-flight lease, as the gateway's default (<c>Deduplication:InFlightLease</c>).</summary>
    private static readonly TimeSpan _lease = TimeSpan.FromMinutes(2);

    private readonly WebhookSecret _secret = new(LoadHost.Secret);

    /// <summary>The gateway's in-memory store with its default MaxEntries; entries live as long as the gateway's do.</summary>
    private readonly InMemoryDeduplicationStore _store = new(TimeProvider.System, maxEntries: 1_000_000, NullLogger<InMemoryDeduplicationStore>.Instance);

    public long StoreEntries => _store.Count;

    public void Dispose() => _store.Dispose();

    public async Task VerifyThenForwardAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var timestamp = request.Headers[AxitechSignature.TimestampHeaderName].ToString();
        var prefixLength = AxitechSignature.GetPrefixByteCount(request.Method, default, target, timestamp);
        var length = (int)(request.ContentLength ?? 0);
        var buffer = _buffers.Rent(prefixLength + length);
        var read = 0;
        while (read < length)
        {
            var count = await request.Body.ReadAsync(buffer.AsMemory(prefixLength + read, length - read), context.RequestAborted);
            if (count == 0)
            {
                _buffers.Return(buffer);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            read += count;
        }

        if (!Verify(buffer, prefixLength, length, request.Method, target, timestamp, request.Headers[AxitechSignature.SignatureHeaderName].ToString(), out var key))
        {
            _buffers.Return(buffer);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var claim = _store.TryClaim(key, _lease);
        if (claim.Status != ClaimStatus.Claimed)
        {
            _buffers.Return(buffer);
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            return;
        }

        var body = new BufferedBodyStream(buffer, prefixLength, length, _buffers);
        request.Body = body;
        await next(context);
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        if (error == ForwarderError.None)
        {
            body.Release();
            await _store.CompleteAsync(key, claim.Token, context.Response.StatusCode, timeToLive, CancellationToken.None);
        }
        else
        {
            await _store.ReleaseAsync(key, claim.Token, CancellationToken.None);
        }
    }

    private bool Verify(byte[] buffer, int prefixLength, int length, string method, string target, string timestamp, string signature, out DeduplicationKey key)
    {
        key = default;
        Span<byte> provided = stackalloc byte[AxitechSignature.SizeInBytes];
        if (!WebhookVerifier.TryDecodeSignature(signature, provided))
        {
            return false;
        }

        AxitechSignature.WritePrefix(buffer, method, default, target, timestamp);
        Span<byte> computed = stackalloc byte[AxitechSignature.SizeInBytes];
        _secret.ComputeHash(buffer.AsSpan(0, prefixLength + length), computed);
        if (!CryptographicOperations.FixedTimeEquals(computed, provided))
        {
            return false;
        }

        key = DeduplicationKey.Create(LoadHost.Policy, provided);
        return true;
    }
}
