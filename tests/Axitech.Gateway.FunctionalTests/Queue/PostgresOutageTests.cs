using Axitech.Gateway.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>PostgreSQL stopped under a running store, on a server of its own, then started again.</summary>
public sealed class PostgresOutageTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private PostgresServer? _server;

    public async ValueTask InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task ServerStoppedMidRun_AcceptanceIsUnavailable_ReadinessFails_AndItRecoversAfterRestart()
    {
        await using var store = new PostgresDeliveryStore(await _server!.CreateSchemaAsync(), new DeliveryQueueOptions(), _time);
        var accepted = new List<Guid> { (await store.AcceptAsync(Delivery(), default)).Id };

        await _server.StopAsync();
        var during = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => store.AcceptAsync(Delivery(), default)));
        var pingDuring = await store.PingAsync(default);
        await Assert.ThrowsAsync<DeliveryStoreUnavailableException>(() => store.LeaseDueAsync("claims", 1, "a", TimeSpan.FromMinutes(1), default));

        await _server.RestartAsync();

        // Connections the pool held died with the server: the first use of one may still fail; none may hang, and
        // nothing is reported accepted that was not committed.
        var after = await Eventually.UntilAsync(
            () => store.AcceptAsync(Delivery(), default),
            r => r.Outcome != AcceptOutcome.Unavailable,
            TimeSpan.FromSeconds(15),
            _ => "The store did not accept again within 15 seconds of the restart.",
            TimeSpan.FromMilliseconds(100));
        Assert.Equal(AcceptOutcome.Accepted, after.Outcome);

        accepted.Add(after.Id);
        Assert.All(during, r => Assert.Equal(AcceptResult.Unavailable, r));
        Assert.False(pingDuring);
        Assert.True(await store.PingAsync(default));
        Assert.Equal(accepted.Order(), (await store.ListAsync(new DeliveryQuery(), default)).Select(d => d.Id).Order());
    }

    private NewDelivery Delivery() => new()
    {
        RouteId = "claims",
        DedupKey = "axitech:" + Guid.NewGuid().ToString("N"),
        Method = "POST",
        RawTarget = "/hooks/claims",
        Signature = "v1=00",
        Timestamp = "1772366400",
        Body = "{}"u8.ToArray(),
        DedupExpiresAt = _time.GetUtcNow().AddMinutes(10),
    };
}
