using System.Diagnostics;
using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Deduplication;
using Axitech.Gateway.Verification;
using Axitech.Webhooks;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// One request on a webhook route, as it goes through the stages (screen, read, verify, claim, then forward or queue):
/// everything a stage learns is kept here, and every stage reads what it needs from here. Owns the body buffer and the
/// running HMACs until <see cref="Dispose"/>.
/// </summary>
internal sealed class WebhookRequest : IDisposable
{
    private UnverifiedBodyBudget? _budget;
    private FailureThrottle? _throttle;

    public WebhookRequest(HttpContext context, WebhookRoute route, IPAddress client)
    {
        Context = context;
        Route = route;
        Client = client;
    }

    public HttpContext Context { get; }

    public WebhookRoute Route { get; }

    public WebhookPolicy Policy => Route.Policy;

    /// <summary>The client: the TCP peer, or the address a trusted proxy forwarded.</summary>
    public IPAddress Client { get; }

    /// <summary>The verification span, while the request is being verified.</summary>
    public Activity? Activity { get; set; }

    public string Signature { get; set; } = string.Empty;

    public string Timestamp { get; set; } = string.Empty;

    /// <summary>The request target exactly as received: what is signed, and what is forwarded.</summary>
    public string RawTarget { get; set; } = string.Empty;

    /// <summary>The HMACs, fed as the body arrives. A mutable struct: used through this field only, never copied.</summary>
    public IncrementalSignature Hmac;

    /// <summary>The body, read whole into a pooled buffer (null until read, or when the read failed).</summary>
    public byte[]? BodyBuffer { get; private set; }

    /// <summary>Body bytes received (also when the read failed), or -1 before reading; reported in logs and spans.</summary>
    public long BodyLength { get; set; } = -1;

    public ReadOnlyMemory<byte> Body => BodyBuffer is null ? ReadOnlyMemory<byte>.Empty : BodyBuffer.AsMemory(0, (int)BodyLength);

    /// <summary>The instant the verified timestamp names.</summary>
    public DateTimeOffset DeliveredAt { get; set; }

    public DeduplicationKey Key { get; set; }

    public DeduplicationClaim Claim { get; set; } = new(ClaimStatus.Claimed);

    /// <summary>How long a delivered entry is remembered.</summary>
    public TimeSpan TimeToLive { get; set; }

    /// <summary>Why an accepted delivery is marked (forwarded without duplicate protection), or null.</summary>
    public string? AcceptedReason { get; set; }

    /// <summary>Body bytes reserved in the unverified-body budget (what the body may take before it is verified).</summary>
    public long UnverifiedBytes { get; private set; }

    /// <summary>Reserves <paramref name="bytes"/> more in <paramref name="budget"/>, given back by <see cref="EndVerification"/>.</summary>
    public BudgetOutcome Reserve(UnverifiedBodyBudget budget, long bytes)
    {
        var outcome = budget.TryReserve(Client, bytes);
        if (outcome == BudgetOutcome.Reserved)
        {
            _budget = budget;
            UnverifiedBytes += bytes;
        }

        return outcome;
    }

    /// <summary>Counts this request in flight in the failure throttle until <see cref="EndVerification"/>.</summary>
    public void CountInFlight(FailureThrottle throttle) => _throttle = throttle;

    /// <summary>The body is verified or refused: gives back its reservation and its place in flight. Idempotent.</summary>
    public void EndVerification()
    {
        _throttle?.Leave(Client);
        _throttle = null;
        _budget?.Release(Client, UnverifiedBytes);
        _budget = null;
        UnverifiedBytes = 0;
    }

    /// <summary>Takes ownership of a rented buffer holding <paramref name="length"/> body bytes.</summary>
    public void SetBody(byte[] buffer, int length)
    {
        BodyBuffer = buffer;
        BodyLength = length;
    }

    /// <summary>Hands the body buffer over (to the forwarder's body stream); this request no longer returns it.</summary>
    public byte[]? TakeBody()
    {
        var buffer = BodyBuffer;
        BodyBuffer = null;
        return buffer;
    }

    public void Dispose()
    {
        EndVerification();
        Hmac.Dispose();
        if (TakeBody() is { } buffer)
        {
            BodyBuffers.Return(buffer);
        }
    }
}
