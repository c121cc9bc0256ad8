using Axitech.Gateway.Queue;

namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary>
/// Queued attempts go where YARP sends forwarded requests: the cluster's available destinations, its load-balancing
/// policy, its passive health; and a route's pace (<c>WebhookDeliveryRate</c>) holds in every second.
/// </summary>
public sealed class QueuedDestinationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new("axgw-destinations-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task TwoDestinationsOneRefusing_WithPassiveHealth_TheLiveOneTakesNearlyAll()
    {
        const int Deliveries = 100;
        using var dead = new ClosedPort();
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["ReverseProxy:Clusters:upstream:Destinations:d2:Address"] = dead.Url;
            c["ReverseProxy:Clusters:upstream:LoadBalancingPolicy"] = "RoundRobin";
            c["ReverseProxy:Clusters:upstream:HealthCheck:Passive:Enabled"] = "true";
            c["ReverseProxy:Clusters:upstream:HealthCheck:Passive:Policy"] = "TransportFailureRate";
            c["ReverseProxy:Clusters:upstream:HealthCheck:Passive:ReactivationPeriod"] = "00:10:00";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream);

        var ids = new List<Guid>();
        for (var i = 0; i < Deliveries; i++)
        {
            ids.Add(await gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events")));
        }

        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == Deliveries, TimeSpan.FromSeconds(30), () => $"{upstream.Acknowledged.Count} of {Deliveries} deliveries acknowledged within 30 seconds.");
        var store = gateway.Store();
        var attempts = 0;
        foreach (var id in ids)
        {
            attempts += (await QueueSettings.WaitForStateAsync(store, id, DeliveryState.Delivered)).Attempts;
        }

        // Round robin alone would send every other attempt to the refusing destination (half of them needing a second
        // attempt); passive health takes it out after its first 10 failures (TransportFailureRate's minimal count).
        var refused = attempts - Deliveries;
        Assert.InRange(refused, 1, 15);
        Assert.Equal(Deliveries, upstream.All.Count);
    }

    [Fact]
    public async Task APacedRoute_NeverExceedsItsRateInAnySecond()
    {
        const int Rate = 5;
        const int Deliveries = 18;
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, DatabasePath);
            c["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryRate"] = Rate.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryConcurrency"] = "16";
        });
        var upstream = new UpstreamAttempts(gateway.Upstream);

        var accepted = await Task.WhenAll(Enumerable.Range(0, Deliveries).Select(_ => gateway.AcceptedAsync(SignedRequest.Create(TestGateway.ClaimsPath + "/events"))));
        await Eventually.UntilAsync(() => upstream.Acknowledged.Count == Deliveries, TimeSpan.FromSeconds(20), () => $"{upstream.Acknowledged.Count} of {Deliveries} deliveries acknowledged within 20 seconds.");

        // The gateway's limiter hands a permit back no sooner than a second after it was taken; the upstream sees each
        // attempt some milliseconds after that, by a delay that varies with the machine's load (tens of milliseconds on
        // a loaded CI machine): 900 ms windows allow for it.
        var started = upstream.All.Select(a => a.Started).Order().ToList();
        var busiest = started.Max(t => started.Count(s => s >= t && s < t + TimeSpan.FromMilliseconds(900)));
        Assert.True(busiest <= Rate, $"{busiest} attempts within one second, at a rate of {Rate}: {string.Join(", ", started.Select(t => t.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms.");
        Assert.Equal(accepted.Order(), upstream.Acknowledged.Order());
        Assert.True(started[^1] - started[0] >= TimeSpan.FromSeconds(3), $"{Deliveries} deliveries at {Rate} a second took {started[^1] - started[0]}.");
    }
}
