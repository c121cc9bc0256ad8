using Axitech.Gateway.Deduplication;

namespace Axitech.Gateway.Benchmarks.Deduplication;

internal static class StoreOperations
{
    /// <summary>A first delivery as the middleware handles it: claimed as in flight, then completed with the upstream's 200.</summary>
    public static void ClaimAndComplete(InMemoryDeduplicationStore store, DeduplicationKey key, TimeSpan lease, TimeSpan timeToLive)
    {
        var claim = store.TryClaim(key, lease);
        if (claim.Status != ClaimStatus.Claimed)
        {
            throw new InvalidOperationException($"Claim of a fresh key answered {claim.Status}.");
        }

        // The in-memory store completes synchronously; a ValueTask that did not would be a bug worth seeing here.
        var completed = store.CompleteAsync(key, claim.Token, StatusCodes.Status200OK, timeToLive, CancellationToken.None);
        if (!completed.IsCompletedSuccessfully || !completed.Result)
        {
            throw new InvalidOperationException("Completion of an owned claim failed.");
        }
    }
}
