using System.Collections.Concurrent;
using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// Counts the body bytes the gateway holds for requests whose signature is not yet verified, per client address and
/// overall (<see cref="LimitsOptions.UnverifiedBytesPerClient"/>, <see cref="LimitsOptions.UnverifiedBytes"/>).
/// A request reserves before it reads (its declared length, or for a body without one each step of its buffer's
/// growth) and gives the reservation back once verified or refused, so what an attacker can make the gateway hold is
/// bounded whatever the number of its connections and streams.
/// </summary>
internal sealed class UnverifiedBodyBudget
{
    private readonly ConcurrentDictionary<IPAddress, long> _perClient = new();
    private readonly long _clientLimit;
    private readonly long _limit;
    private long _total;

    public UnverifiedBodyBudget(LimitsOptions limits)
    {
        _clientLimit = limits.UnverifiedBytesPerClient;
        _limit = limits.UnverifiedBytes;
    }

    /// <summary>The bytes reserved now, for all clients (for tests and diagnostics).</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Reserves <paramref name="bytes"/> for <paramref name="client"/>, or says which limit it would pass.</summary>
    public BudgetOutcome TryReserve(IPAddress client, long bytes)
    {
        if (bytes <= 0)
        {
            return BudgetOutcome.Reserved;
        }

        if (_perClient.AddOrUpdate(client, bytes, (_, held) => held + bytes) > _clientLimit)
        {
            ReleaseClient(client, bytes);
            return BudgetOutcome.ClientFull;
        }

        if (Interlocked.Add(ref _total, bytes) > _limit)
        {
            Interlocked.Add(ref _total, -bytes);
            ReleaseClient(client, bytes);
            return BudgetOutcome.GatewayFull;
        }

        return BudgetOutcome.Reserved;
    }

    public void Release(IPAddress client, long bytes)
    {
        if (bytes > 0)
        {
            Interlocked.Add(ref _total, -bytes);
            ReleaseClient(client, bytes);
        }
    }

    private void ReleaseClient(IPAddress client, long bytes) => _perClient.Subtract(client, bytes);
}
