namespace Axitech.Gateway.Deduplication;

/// <summary>The result of a claim: its status, the owner token (when claimed) and the remembered status (when delivered).</summary>
internal readonly record struct DeduplicationClaim(ClaimStatus Status, long Token = 0, int DeliveredStatusCode = 0)
{
    public static DeduplicationClaim Unavailable { get; } = new(ClaimStatus.StoreUnavailable);

    public static DeduplicationClaim Full { get; } = new(ClaimStatus.StoreFull);

    public static DeduplicationClaim InFlight { get; } = new(ClaimStatus.InFlight);
}
