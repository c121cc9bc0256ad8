using System.Text;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.ConsoleTests.Store;

/// <summary>
/// The console's queries (<see cref="SqlDeliveryStore.BrowseAsync"/> and its neighbours) on each real engine: every
/// filter, both orders, keyset pages that neither skip nor repeat a delivery, a body's size as received.
/// </summary>
public abstract class StoreBrowsingTests : IAsyncLifetime
{
    private const string Route = "claims";
    private SqlDeliveryStore? _store;

    private protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public abstract ValueTask InitializeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await DisposeEngineAsync();
    }

    private protected abstract SqlDeliveryStore NewStore(DeliveryQueueOptions options);

    protected virtual ValueTask DisposeEngineAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Browse_FiltersByRouteStateErrorAndTime_InEitherOrder_AndPagesWithoutGapsOrRepeats()
    {
        var store = await StoreAsync(new DeliveryQueueOptions());

        // Seven deliveries a minute apart, several in the same millisecond at the end (the id breaks the tie).
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await AcceptAsync(store, i == 3 ? "other" : Route));
            if (i < 4)
            {
                Time.Advance(TimeSpan.FromMinutes(1));
            }
        }

        // 0 and 1 die of a 400, 2 of a timeout's give-up; 3 (other route) and 4..6 stay pending.
        var leased = await store.LeaseDueAsync(Route, 3, "owner", TimeSpan.FromMinutes(1), default);
        Assert.Equal(ids[..3], leased.Select(l => l.Delivery.Id));
        Assert.True(await store.DeadLetterAsync(leased[0].Lease, 400, "status_400", null, default));
        Assert.True(await store.DeadLetterAsync(leased[1].Lease, 400, "status_400", null, default));
        Assert.True(await store.DeadLetterAsync(leased[2].Lease, null, "max_attempts", null, default));

        // Arrival order; in the same millisecond, the id's text order (which is PostgreSQL's uuid order too).
        var arrival = ids.Select((id, i) => (Id: id, At: Math.Min(i, 4))).OrderBy(d => d.At).ThenBy(d => d.Id.ToString(), StringComparer.Ordinal).Select(d => d.Id).ToList();
        Assert.Equal(Enumerable.Reverse(arrival), await BrowseIdsAsync(store, new DeliveryPageQuery()));
        Assert.Equal(arrival, await BrowseIdsAsync(store, new DeliveryPageQuery { OldestFirst = true }));
        Assert.Equal([ids[1], ids[0]], await BrowseIdsAsync(store, new DeliveryPageQuery { RouteId = Route, State = DeliveryState.Dead, Error = "status_400" }));
        Assert.Equal([ids[3]], await BrowseIdsAsync(store, new DeliveryPageQuery { RouteId = "other" }));
        Assert.Equal(arrival[3..], await BrowseIdsAsync(store, new DeliveryPageQuery { State = DeliveryState.Pending, OldestFirst = true }));
        var start = new DateTimeOffset(2026, 3, 1, 12, 1, 0, TimeSpan.Zero);
        Assert.Equal([ids[1], ids[2]], await BrowseIdsAsync(store, new DeliveryPageQuery { ReceivedFrom = start, ReceivedBefore = start.AddMinutes(2), OldestFirst = true }));

        // Pages of two, each after the last of the one before: every delivery once, in order, both ways.
        foreach (var oldestFirst in new[] { false, true })
        {
            var paged = new List<Guid>();
            var query = new DeliveryPageQuery { OldestFirst = oldestFirst, Limit = 2 };
            while (true)
            {
                var page = await store.BrowseAsync(query, default);
                paged.AddRange(page.Select(d => d.Id));
                if (page.Count < 2)
                {
                    break;
                }

                query = query with { AfterReceivedAt = page[^1].ReceivedAt, AfterId = page[^1].Id };
            }

            Assert.Equal(oldestFirst ? arrival : Enumerable.Reverse(arrival), paged);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodySize_IsTheSizeAsReceived_EncryptedOrNot(bool encrypted)
    {
        var store = await StoreAsync(new DeliveryQueueOptions { EncryptionKeys = encrypted ? [Convert.ToBase64String(new byte[32])] : [] });
        var id = await AcceptAsync(store, Route, new byte[1234]);

        Assert.Equal(1234, await store.GetBodySizeAsync(id, default));
        Assert.Null(await store.GetBodySizeAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task DeliveredSince_CountsPerRoute_OnlyThoseDeliveredInTheWindow()
    {
        var store = await StoreAsync(new DeliveryQueueOptions());
        await AcceptAsync(store, Route);
        await AcceptAsync(store, Route);
        foreach (var leased in await store.LeaseDueAsync(Route, 1, "owner", TimeSpan.FromMinutes(1), default))
        {
            Assert.True(await store.MarkDeliveredAsync(leased.Lease, 200, null, default));
        }

        Time.Advance(TimeSpan.FromMinutes(61));
        foreach (var leased in await store.LeaseDueAsync(Route, 1, "owner", TimeSpan.FromMinutes(1), default))
        {
            Assert.True(await store.MarkDeliveredAsync(leased.Lease, 200, null, default));
        }

        var counts = await store.CountDeliveredSinceAsync(Time.GetUtcNow().AddHours(-1), default);

        Assert.Equal(1, Assert.Single(counts).Value);
    }

    private async Task<SqlDeliveryStore> StoreAsync(DeliveryQueueOptions options)
    {
        _store = NewStore(options);
        await _store.InitializeAsync(default);
        return _store;
    }

    private static async Task<List<Guid>> BrowseIdsAsync(SqlDeliveryStore store, DeliveryPageQuery query)
        => [.. (await store.BrowseAsync(query, default)).Select(d => d.Id)];

    private async Task<Guid> AcceptAsync(SqlDeliveryStore store, string route, byte[]? body = null)
    {
        var result = await store.AcceptAsync(
            new NewDelivery
            {
                RouteId = route,
                Method = "POST",
                RawTarget = "/webhooks/claims/events",
                Signature = "v1=00",
                Timestamp = "0",
                ContentType = "application/json",
                Body = body ?? Encoding.UTF8.GetBytes("{}"),
                DedupExpiresAt = Time.GetUtcNow().AddMinutes(10),
            },
            default);
        Assert.Equal(AcceptOutcome.Accepted, result.Outcome);
        return result.Id;
    }
}
