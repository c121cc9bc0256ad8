using Axitech.Gateway.Configuration;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// Duplicate and replay protection of verified deliveries: computes the key and the lifetimes, and talks to the store.
/// </summary>
internal sealed class DeduplicationService
{
    private static readonly TimeSpan _minimumTimeToLive = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _timeProvider;

    public DeduplicationService(IDeduplicationStore store, TimeProvider timeProvider)
    {
        Store = store;
        _timeProvider = timeProvider;
    }

    public IDeduplicationStore Store { get; }

    /// <summary>
    /// The key of a verified delivery: the policy and the signature, or the content key when the policy asks for one
    /// and the body has every path. Null when the policy asks for a content key and the body is not JSON.
    /// </summary>
    public static DeduplicationKey? CreateKey(WebhookPolicy policy, ReadOnlySpan<byte> signature, ReadOnlyMemory<byte> body)
    {
        if (policy.ContentKeyPaths.Length > 0)
        {
            Span<byte> contentHash = stackalloc byte[32];
            switch (ContentKey.Compute(body, policy.ContentKeyPaths, contentHash))
            {
                case ContentKeyResult.Computed:
                    return DeduplicationKey.Create(policy.Name, contentHash);
                case ContentKeyResult.NotJson:
                    return null;
            }
        }

        return DeduplicationKey.Create(policy.Name, signature);
    }

    /// <summary>
    /// How long a delivered entry lives: until the delivery's timestamp leaves the tolerance window, plus the margin.
    /// After that the freshness check refuses the repeat anyway.
    /// </summary>
    public TimeSpan TimeToLive(WebhookPolicy policy, DateTimeOffset timestamp)
    {
        var ttl = timestamp + policy.Tolerance + policy.Deduplication.ExpiryMargin - _timeProvider.GetUtcNow();
        return ttl < _minimumTimeToLive ? _minimumTimeToLive : ttl;
    }

    /// <summary>The in-flight lease: the policy's lease, never longer than the entry would live.</summary>
    public static TimeSpan Lease(WebhookPolicy policy, TimeSpan timeToLive)
        => policy.Deduplication.InFlightLease < timeToLive ? policy.Deduplication.InFlightLease : timeToLive;
}
