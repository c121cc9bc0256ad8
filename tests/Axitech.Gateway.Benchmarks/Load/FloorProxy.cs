using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Forwarding;
using Axitech.Gateway.Pipeline;
using Axitech.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The <c>floor</c> host's one middleware: the least a proxy must do to forward only verified deliveries, and nothing
/// more. It is the four costs issue 6 names, each at its floor: read the body once into a pooled buffer, hashing it as
/// it arrives (the gateway's <see cref="IncrementalSignature"/> with its pooled keyed instance), a constant-time
/// compare, a duplicate-store round trip (the gateway's in-memory store: claim, then complete); then the same bytes go
/// upstream through the gateway's own forwarding (<see cref="VerifiedBodyStream"/>, read by YARP's own request
/// content). It has none of the gateway's telemetry, logging, header checks, throttling, limits or error handling: it
/// is a yardstick, not a gateway.
/// </summary>
/// <remarks>
/// Against plain YARP it measures what verification itself costs on this machine (store-and-forward plus the HMAC);
/// the gateway against it measures everything the gateway does beyond that minimum. It relies on the load generator:
/// every request is a POST with a Content-Length and the two headers.
/// </remarks>
internal sealed class FloorProxy(TimeSpan timeToLive) : IDisposable
{
    /// <summary>The in-flight lease, as the gateway's default (<c>Deduplication:InFlightLease</c>).</summary>
    private static readonly TimeSpan _lease = TimeSpan.FromMinutes(2);

    private readonly WebhookSecret[] _secrets = [new(LoadHost.Secret)];

    /// <summary>The gateway's in-memory store with its default MaxEntries; entries live as long as the gateway's do.</summary>
    private readonly InMemoryDeduplicationStore _store = new(TimeProvider.System, maxEntries: 1_000_000, NullLogger<InMemoryDeduplicationStore>.Instance);

    public long StoreEntries => _store.Count;

    public void Dispose() => _store.Dispose();

    public async Task VerifyThenForwardAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var timestamp = request.Headers[AxitechSignature.TimestampHeaderName].ToString();
        var length = (int)(request.ContentLength ?? 0);
        var buffer = BodyBuffers.Rent(length);
        using var hmac = new HmacHolder(IncrementalSignature.Start(_secrets, request.Method, default, target, timestamp));
        var read = 0;
        while (read < length)
        {
            var count = await request.Body.ReadAsync(buffer.AsMemory(read, length - read), context.RequestAborted);
            if (count == 0)
            {
                BodyBuffers.Return(buffer);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            hmac.Signature.Append(buffer.AsSpan(read, count));
            read += count;
        }

        Span<byte> provided = stackalloc byte[AxitechSignature.SizeInBytes];
        var outcome = hmac.Signature.Complete(request.Headers[AxitechSignature.SignatureHeaderName].ToString(), timestamp, TimeProvider.System.GetUtcNow(), TimeSpan.FromDays(1), provided, out _);
        if (outcome != WebhookVerificationOutcome.Valid)
        {
            BodyBuffers.Return(buffer);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var key = DeduplicationKey.Create(LoadHost.Policy, provided);
        var claim = _store.TryClaim(key, _lease);
        if (claim.Status != ClaimStatus.Claimed)
        {
            BodyBuffers.Return(buffer);
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            return;
        }

        var body = new VerifiedBodyStream(buffer, length);
        request.Body = body;
        await next(context);
        body.Release();
        var error = context.Features.Get<IForwarderErrorFeature>()?.Error ?? ForwarderError.None;
        if (error == ForwarderError.None)
        {
            await _store.CompleteAsync(key, claim.Token, context.Response.StatusCode, timeToLive, CancellationToken.None);
        }
        else
        {
            await _store.ReleaseAsync(key, claim.Token, CancellationToken.None);
        }
    }

    /// <summary>Keeps the mutable struct in one place across the awaits (a class field), and disposes it.</summary>
    private sealed class HmacHolder(IncrementalSignature signature) : IDisposable
    {
        public IncrementalSignature Signature = signature;

        public void Dispose() => Signature.Dispose();
    }
}
