using System.Collections.Concurrent;

namespace ClaimsReceiver;

/// <summary>What this instance processed: how many times each delivery's work ran (the tests read it at /processed).</summary>
public sealed class ClaimLedger
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Record(string deliveryId) => _counts.AddOrUpdate(deliveryId, 1, (_, count) => count + 1);

    public IReadOnlyDictionary<string, int> Counts() => new Dictionary<string, int>(_counts, StringComparer.Ordinal);
}
