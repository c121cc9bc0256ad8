namespace Axitech.Gateway.Deduplication;

/// <summary>What a claim found.</summary>
internal enum ClaimStatus
{
    /// <summary>First delivery: claimed as in flight; forward it, then complete or release.</summary>
    Claimed,

    /// <summary>A repeat of a delivered one: answer with the remembered status, do not forward.</summary>
    Delivered,

    /// <summary>A repeat while the first is still in flight: 409, do not forward.</summary>
    InFlight,

    /// <summary>The in-memory store holds MaxEntries live entries: 503, do not forward.</summary>
    StoreFull,

    /// <summary>The store cannot be reached.</summary>
    StoreUnavailable,
}
