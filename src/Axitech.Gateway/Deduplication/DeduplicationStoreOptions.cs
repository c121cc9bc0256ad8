namespace Axitech.Gateway.Deduplication;

/// <summary>
/// <c>Deduplication</c>: the store shared by all policies. Redis is used when <c>ConnectionStrings:Redis</c> is set;
/// otherwise the in-memory store of this instance.
/// </summary>
public sealed record DeduplicationStoreOptions
{
    /// <summary>The bound of the in-memory store, in live entries. The default is 1,000,000.</summary>
    public long MaxEntries { get; init; } = 1_000_000;

    /// <summary>Prefix of every Redis key. The default is <c>axgw:</c>.</summary>
    public string KeyPrefix { get; init; } = "axgw:";
}
