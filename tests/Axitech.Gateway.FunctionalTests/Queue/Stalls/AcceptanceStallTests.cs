using System.Diagnostics;
using System.Globalization;
using System.Net;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.FunctionalTests.Queue.Stalls;

/// <summary>
/// A queued route in front of a database that hangs (not one that refuses), with the real gateway and a real
/// upstream: the acceptances waiting for a commit never exceed <c>Webhooks:Queue:MaxPendingAcceptances</c>, beyond it
/// the answer is 503 with Retry-After at once and <c>/readyz</c> says why, every sender is answered within
/// <c>Webhooks:Queue:AcceptTimeout</c>, and once the database answers again every delivery answered 202 is delivered.
/// </summary>
public abstract class AcceptanceStallTests : IAsyncLifetime
{
    private const int Bound = 4;
    private const int Senders = 10;
    private const string Target = TestGateway.ClaimsPath + "/events";
    private static readonly TimeSpan _acceptTimeout = TimeSpan.FromSeconds(3);

    // How late an answer may be beyond the timeout on a machine shared with other builds.
    private static readonly TimeSpan _slack = TimeSpan.FromSeconds(5);

    public abstract ValueTask InitializeAsync();

    public abstract ValueTask DisposeAsync();

    protected abstract void UseStore(Dictionary<string, string?> configuration);

    /// <summary>Makes the gateway's store hang until the result is disposed.</summary>
    protected abstract Task<IAsyncDisposable> StallAsync();

    [Fact]
    public async Task UnderAStall_TheBoundHolds_EverySenderIsAnsweredInTime_AndEvery202IsDelivered()
    {
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            QueueSettings.Queue(c, "unused.db");
            UseStore(c);
            c["Webhooks:Queue:MaxPendingAcceptances"] = Bound.ToString(CultureInfo.InvariantCulture);
            c["Webhooks:Queue:AcceptTimeout"] = _acceptTimeout.ToString("c", CultureInfo.InvariantCulture);
        });
        var upstream = new UpstreamAttempts(gateway.Upstream);
        var store = gateway.Store();
        var accepted = new List<Guid> { await gateway.AcceptedAsync(SignedRequest.Create(Target)) };
        await QueueSettings.WaitForStateAsync(store, accepted[0], DeliveryState.Delivered);

        Answered[] during;
        HttpStatusCode readiness;
        string readinessReport;
        var mostPending = 0;
        using var sampling = new CancellationTokenSource();
        await using (await StallAsync())
        {
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    mostPending = Math.Max(mostPending, store.PendingAcceptances);
                    await Task.Yield();
                }
            });
            var sends = Enumerable.Range(0, Senders).Select(_ => SendAsync(gateway)).ToArray();

            // The bound is reached, and the rest are refused while it holds.
            await Eventually.UntilAsync(
                () => store.PendingAcceptances == Bound && sends.Count(s => s.IsCompleted) == Senders - Bound,
                TimeSpan.FromSeconds(30),
                () => $"{store.PendingAcceptances} acceptances wait and {sends.Count(s => s.IsCompleted)} senders were answered, not {Bound} and {Senders - Bound}.");
            using (var ready = await gateway.Management.GetAsync(new Uri("/readyz", UriKind.Relative)))
            {
                readiness = ready.StatusCode;
                readinessReport = await ready.Content.ReadAsStringAsync();
            }

            during = await Task.WhenAll(sends);
            await sampling.CancelAsync();
            await sampler;
        }

        Assert.Equal(Bound, mostPending);
        Assert.All(during, a => Assert.True(a.Took < _acceptTimeout + _slack, $"A sender waited {a.Took}."));
        Assert.All(during, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
        Assert.All(during, a => Assert.Equal("5", a.RetryAfter));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness);
        Assert.Contains("MaxPendingAcceptances", readinessReport, StringComparison.Ordinal);

        // The database answers again: senders retry, as they do after a 503, until they get their 202.
        for (var i = 0; i < 5; i++)
        {
            var delivery = SignedRequest.Create(Target);
            var answer = await Eventually.UntilAsync(
                async () =>
                {
                    using var response = await gateway.SendAsync(delivery);
                    return response.StatusCode == HttpStatusCode.Accepted ? QueueSettings.AcceptedId(response) : (Guid?)null;
                },
                id => id is not null,
                TimeSpan.FromSeconds(30),
                _ => "The gateway did not accept again within 30 seconds of the stall's end.",
                TimeSpan.FromMilliseconds(200));
            accepted.Add(answer!.Value);
        }

        await Eventually.UntilAsync(
            () => accepted.All(upstream.Acknowledged.Contains),
            TimeSpan.FromSeconds(30),
            () => $"{accepted.Count(upstream.Acknowledged.Contains)} of the {accepted.Count} deliveries answered 202 were delivered.");
        var stored = await store.ListAsync(new DeliveryQuery(), default);
        Assert.All(accepted, id => Assert.Contains(stored, d => d.Id == id));

        // Of the acceptances that timed out, only the one whose batch was under way may have been committed.
        Assert.InRange(stored.Count, accepted.Count, accepted.Count + 1);
        Assert.Equal(0, store.PendingAcceptances);
    }

    private static async Task<Answered> SendAsync(TestGateway gateway)
    {
        var clock = Stopwatch.StartNew();
        using var response = await gateway.SendAsync(SignedRequest.Create(Target));
        return new Answered(response.StatusCode, response.Headers.RetryAfter?.ToString(), clock.Elapsed);
    }

    private sealed record Answered(HttpStatusCode Status, string? RetryAfter, TimeSpan Took);
}
