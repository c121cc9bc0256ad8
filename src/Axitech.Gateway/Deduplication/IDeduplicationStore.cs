namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The shared memory of which deliveries were forwarded. Only the claim's owner (its token) may complete or release
/// it. Every entry carries its expiry, so the store is bounded by (deliveries per second × window).
/// </summary>
internal interface IDeduplicationStore
{
    /// <summary>The store's name in logs and health reports.</summary>
    string Name { get; }

    /// <summary>Claims a delivery as in flight for <paramref name="lease"/>, or says why it cannot be claimed.</summary>
    ValueTask<DeduplicationClaim> TryClaimAsync(DeduplicationKey key, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Marks an owned claim delivered, remembering the upstream's status until <paramref name="timeToLive"/> has passed.</summary>
    ValueTask<bool> CompleteAsync(DeduplicationKey key, long token, int statusCode, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Deletes an owned claim, so that the sender's retry is forwarded again.</summary>
    ValueTask<bool> ReleaseAsync(DeduplicationKey key, long token, CancellationToken cancellationToken);

    /// <summary>Whether the store answers now (for /readyz).</summary>
    ValueTask<bool> PingAsync(CancellationToken cancellationToken);
}
