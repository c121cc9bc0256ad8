using Axitech.Gateway.Queue;
using Axitech.Gateway.Testing.Polling;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// The store under a database that hangs, on each engine: acceptances are bounded, one whose sender left before its
/// batch was taken is not written, and one bad row in a batch fails only itself.
/// </summary>
public abstract partial class DeliveryStoreTests
{
    private const string RefusedRoute = "refused";
    private static readonly TimeSpan _stallWait = TimeSpan.FromSeconds(30);

    /// <summary>Makes the store's writes hang (the database does not answer) until the result is disposed.</summary>
    protected abstract Task<IAsyncDisposable> StallWritesAsync();

    /// <summary>Makes the engine refuse any row of <see cref="RefusedRoute"/> (a constraint on this test's table).</summary>
    protected abstract Task RefuseRouteAsync(string route);

    [Fact]
    public async Task UnderAStall_AtMostTheBoundWait_BeyondItTheAnswerIsFullAtOnce_AndASenderWhoLeftIsNotWritten()
    {
        var store = await CreateStoreAsync(new DeliveryQueueOptions { MaxPendingAcceptances = 4 });
        await AcceptedAsync(store, Delivery(NewKey()));
        var leftKey = NewKey();
        Task<AcceptResult> inBatch, left;
        Task<AcceptResult>[] queued;
        using var sender = new CancellationTokenSource();
        await using (await StallWritesAsync())
        {
            inBatch = store.AcceptAsync(Delivery(NewKey()), default);
            await Eventually.UntilAsync(() => store.AcceptancesBeingWritten == 1, _stallWait, "The first acceptance was not taken into a batch.");

            left = store.AcceptAsync(Delivery(leftKey), sender.Token);
            queued = [store.AcceptAsync(Delivery(NewKey()), default), store.AcceptAsync(Delivery(NewKey()), default)];
            Assert.Equal(4, store.PendingAcceptances);

            var beyond = store.AcceptAsync(Delivery(NewKey()), default);
            Assert.True(beyond.IsCompletedSuccessfully, "An acceptance beyond the bound waited.");
            Assert.Equal(AcceptResult.Full, await beyond);
            Assert.Equal(4, store.PendingAcceptances);

            sender.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
            Assert.False(inBatch.IsCompleted, "The stall did not hold the batch.");
        }

        var accepted = await Task.WhenAll([inBatch, .. queued]);
        Assert.All(accepted, result => Assert.Equal(AcceptOutcome.Accepted, result.Outcome));
        var stored = await store.ListAsync(new DeliveryQuery(), default);
        Assert.Equal(4, stored.Count);
        Assert.DoesNotContain(stored, delivery => delivery.DedupKey == leftKey);
        Assert.All(accepted, result => Assert.Contains(stored, delivery => delivery.Id == result.Id));
        Assert.Equal(0, store.PendingAcceptances);
    }

    [Fact]
    public async Task OneBadRow_InABatch_FailsOnlyItself()
    {
        var store = await CreateStoreAsync();
        await RefuseRouteAsync(RefusedRoute);
        await AcceptedAsync(store, Delivery(NewKey()));
        var batchesBefore = store.CommittedBatches;
        Task<AcceptResult> first, bad;
        Task<AcceptResult>[] good;
        await using (await StallWritesAsync())
        {
            // Held by the stall, so that the next ones gather into one batch behind it.
            first = store.AcceptAsync(Delivery(NewKey()), default);
            await Eventually.UntilAsync(() => store.AcceptancesBeingWritten == 1, _stallWait, "The first acceptance was not taken into a batch.");
            good = [.. Enumerable.Range(0, 3).Select(_ => store.AcceptAsync(Delivery(NewKey()), default))];
            bad = store.AcceptAsync(Delivery(NewKey(), route: RefusedRoute), default);
            good = [.. good, .. Enumerable.Range(0, 3).Select(_ => store.AcceptAsync(Delivery(NewKey()), default))];
            Assert.Equal(8, store.PendingAcceptances);
        }

        Assert.Equal(AcceptOutcome.Accepted, (await first).Outcome);
        Assert.Equal(AcceptResult.Unavailable, await bad);
        var accepted = await Task.WhenAll(good);
        Assert.All(accepted, result => Assert.Equal(AcceptOutcome.Accepted, result.Outcome));
        var stored = await store.ListAsync(new DeliveryQuery(), default);
        Assert.Equal(8, stored.Count);
        Assert.DoesNotContain(stored, delivery => delivery.RouteId == RefusedRoute);

        // The first alone, then the failed batch of seven written again one by one.
        Assert.Equal(batchesBefore + 1 + 6, store.CommittedBatches);
    }
}
