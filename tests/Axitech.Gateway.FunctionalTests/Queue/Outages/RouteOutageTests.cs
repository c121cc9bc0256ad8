using Axitech.Gateway.FunctionalTests.Telemetry;
using Axitech.Gateway.Queue;
using Axitech.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary>
/// A queued route whose upstream is down, on each engine (<see cref="SqliteRouteOutageTests"/>,
/// <see cref="PostgresRouteOutageTests"/>): the real gateway with its clock a <see cref="FakeTimeProvider"/>, so that the
/// test moves time from one backoff step to the next and waits on the store and the upstream, never on a sleep.
/// </summary>
public abstract class RouteOutageTests : IAsyncLifetime
{
    /// <summary>A route of this test's own: a scrape holds what every gateway of the test process reports.</summary>
    private readonly IsolatedRoute _route = IsolatedRoute.Create();

    private string Route => _route.Id;

    /// <summary>The gateway's clock, started at the real time so that the test's signatures are fresh.</summary>
    protected FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    /// <summary>Points the queue at this test's store.</summary>
    protected abstract void UseStore(Dictionary<string, string?> configuration);

    [Fact]
    public async Task AnOutageLongerThanMaxAttemptsSteps_DeadLettersNothing_CostsOneAttemptPerStep_AndEverythingIsDeliveredAfter()
    {
        const int Pending = 30;
        const int Steps = 10;
        await using var gateway = await StartAsync(c =>
        {
            c["Webhooks:Queue:Retry:InitialDelay"] = "00:00:01";
            c["Webhooks:Queue:Retry:MaxDelay"] = "00:00:08";
            c["Webhooks:Queue:Retry:MaxAttempts"] = "3";
            c["Webhooks:Queue:Retry:MaxAge"] = "01:00:00";
        });
        var down = true;
        var upstream = new UpstreamAttempts(gateway.Upstream) { Answer = (_, context) => UpstreamAttempts.Status(context, Volatile.Read(ref down) ? 503 : 200) };
        var store = gateway.Store();
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();

        var ids = new List<Guid>();
        for (var i = 0; i < Pending; i++)
        {
            ids.Add(await gateway.AcceptedAsync(Signed()));
        }

        await Eventually.UntilAsync(() => workers.RouteStatus(Route)?.State == RouteState.BackingOff, TimeSpan.FromSeconds(10), () => $"The route did not back off after {upstream.All.Count} failed attempts.");
        await WaitUntilNoLeaseAsync(store);
        var onset = upstream.All.Count;
        await gateway.ScrapeUntilAsync(s =>
            s.Sum("axitech_gateway_queue_route_state", ("route", Route), ("state", RouteStates.BackingOff)) == 1
            && s.Sum("axitech_gateway_queue_route_state", ("route", Route), ("state", RouteStates.Delivering)) == 0
            && s.Sum("axitech_gateway_queue_route_state", ("route", Route), ("state", RouteStates.Paused)) == 0);

        // Each step of MaxDelay makes one probe due, and only one: a probe per step, whatever is pending.
        for (var step = 1; step <= Steps; step++)
        {
            Time.Advance(TimeSpan.FromSeconds(8));
            var expected = onset + step;
            await Eventually.UntilAsync(() => upstream.All.Count >= expected, TimeSpan.FromSeconds(10), () => $"Step {step}: {upstream.All.Count - onset} probes, not {step}.");
            await WaitUntilNoLeaseAsync(store);
        }

        var duringOutage = upstream.All.Count;
        Assert.Equal(onset + Steps, duringOutage);
        Assert.InRange(onset, RouteBackoff.FailuresToBackOff, RouteBackoff.FailuresToBackOff + 4);
        Assert.Empty(await store.ListAsync(new DeliveryQuery { State = DeliveryState.Dead }, default));

        Volatile.Write(ref down, false);
        Time.Advance(TimeSpan.FromSeconds(8));
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == Pending, TimeSpan.FromSeconds(20), () => $"{upstream.Acknowledged.Count} of {Pending} deliveries acknowledged after the upstream came back.");

        Assert.Equal(ids.Order(), upstream.Acknowledged.Order());
        foreach (var id in ids)
        {
            var delivered = await QueueSettings.WaitForStateAsync(store, id, DeliveryState.Delivered);
            Assert.InRange(delivered.Attempts, 1, 3);
        }

        Assert.Equal(RouteState.Delivering, workers.RouteStatus(Route)?.State);
        Assert.Equal(Pending, upstream.All.Count - duringOutage);
    }

    [Fact]
    public async Task APoisonDelivery_IsStillDeadLetteredByMaxAttempts_WhileTheRouteDeliversOthers()
    {
        await using var gateway = await StartAsync(c =>
        {
            c["Webhooks:Queue:Retry:InitialDelay"] = "00:00:01";
            c["Webhooks:Queue:Retry:MaxDelay"] = "00:00:02";
            c["Webhooks:Queue:Retry:MaxAttempts"] = "4";
        });
        var poisonBody = System.Text.Encoding.UTF8.GetBytes("""{"event_type":"poison"}""");
        var upstream = new UpstreamAttempts(gateway.Upstream)
        {
            Answer = (request, context) => UpstreamAttempts.Status(context, request.Body.AsSpan().SequenceEqual(poisonBody) ? 500 : 200),
        };
        var store = gateway.Store();
        var workers = gateway.Services.GetRequiredService<DeliveryWorkers>();

        var poison = await gateway.AcceptedAsync(Signed(poisonBody));
        await WaitUntilNoLeaseAsync(store);
        var others = new List<Guid>();
        for (var attempt = 2; attempt <= 4; attempt++)
        {
            var other = await gateway.AcceptedAsync(Signed());
            others.Add(other);
            await QueueSettings.WaitForStateAsync(store, other, DeliveryState.Delivered);
            Time.Advance(TimeSpan.FromSeconds(2));
            var expected = attempt;
            await Eventually.UntilAsync(() => upstream.All.Count(a => a.DeliveryId == poison) >= expected, TimeSpan.FromSeconds(10), () => $"The poison delivery was attempted {upstream.All.Count(a => a.DeliveryId == poison)} times, not {expected}.");
            await WaitUntilNoLeaseAsync(store);
        }

        var dead = await QueueSettings.WaitForStateAsync(store, poison, DeliveryState.Dead);
        Assert.Equal(DeliveryErrors.MaxAttempts, dead.LastError);
        Assert.Equal(4, dead.Attempts);
        Assert.Equal(others.Order(), upstream.Acknowledged.Order());
        Assert.Equal(RouteState.Delivering, workers.RouteStatus(Route)?.State);
    }

    private async Task<TestGateway> StartAsync(Action<Dictionary<string, string?>> configure)
        => await TestGateway.StartAsync(
            c =>
            {
                _route.AddTo(c);
                QueueSettings.Queue(c, databasePath: "unused.db", _route.Id);
                UseStore(c);

                // Nothing wakes the workers by the clock but the steps the test takes.
                c["Webhooks:Queue:PollInterval"] = "00:10:00";
                c["Webhooks:Queue:MaxConcurrency"] = "4";
                configure(c);
            },
            services: s => s.AddSingleton<TimeProvider>(Time));

    private SignedRequest Signed(byte[]? body = null)
        => SignedRequest.Create(_route.Target(), body, timestamp: WebhookTimestamp.FormatUnixSeconds(Time.GetUtcNow()));

    /// <summary>Waits until no attempt holds a lease: the last one has been recorded.</summary>
    private static Task WaitUntilNoLeaseAsync(IDeliveryStore store)
        => Eventually.UntilAsync(
            async () => (await store.ListAsync(new DeliveryQuery { State = DeliveryState.Pending, Limit = 1000 }, default)).All(d => d.LeaseOwner is null),
            TimeSpan.FromSeconds(10),
            "An attempt still held its lease after 10 seconds.");
}
