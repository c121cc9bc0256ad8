using System.Globalization;
using System.Net;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Axitech.Gateway.ConsoleTests.Infrastructure;

/// <summary>
/// A real gateway (Kestrel, loopback) whose route <c>claims</c> queues into a SQLite file of its own, with the console's
/// two users, and a real upstream; helpers to make dead deliveries the way production does (the upstream answers 400).
/// </summary>
internal sealed class ConsoleGateway : IAsyncDisposable
{
    public const string Target = TestGateway.ClaimsPath + "/events";

    private readonly string _directory;

    private ConsoleGateway(TestGateway gateway, string directory)
    {
        Gateway = gateway;
        _directory = directory;
    }

    public TestGateway Gateway { get; }

    public string ManagementUrl => $"http://127.0.0.1:{Gateway.ManagementPort}";

    public string PublicUrl => $"http://127.0.0.1:{Gateway.PublicPort}";

    /// <summary>What the gateway logged (at the tests' levels: Warning and above for the gateway's categories).</summary>
    public FakeLogCollector Logs => Gateway.Services.GetFakeLogCollector();

    public IDeliveryStore Store => Gateway.Services.GetRequiredService<IDeliveryStore>();

    public static async Task<ConsoleGateway> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        var directory = Directory.CreateTempSubdirectory("axgw-console-").FullName;
        try
        {
            var gateway = await TestGateway.StartAsync(c =>
            {
                c["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Queue";
                c["Webhooks:Queue:Path"] = Path.Combine(directory, "queue.db");
                c["Webhooks:Queue:Retry:InitialDelay"] = "00:00:00.050";
                c["Webhooks:Queue:Retry:MaxDelay"] = "00:00:00.200";
                c["Webhooks:Queue:PollInterval"] = "00:00:01";
                ConsoleUsers.Add(c);
                configure?.Invoke(c);
            }, services: s => s.AddLogging(b => b.AddFakeLogging()));
            return new ConsoleGateway(gateway, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Sends <paramref name="delivery"/> (202, queued) and waits until the upstream's 400 has made it dead.</summary>
    public async Task<Guid> DeadDeliveryAsync(SignedRequest? delivery = null)
    {
        Gateway.Upstream.Respond = static (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        };
        using var response = await Gateway.SendAsync(delivery ?? SignedRequest.Create(Target));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = Guid.Parse(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
        await WaitForStateAsync(id, DeliveryState.Dead);
        return id;
    }

    /// <summary>Sends a delivery (202, queued) and returns its id.</summary>
    public async Task<Guid> AcceptedAsync()
    {
        using var response = await Gateway.SendAsync(SignedRequest.Create(Target));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Guid.Parse(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
    }

    /// <summary>Waits until this gateway's workers see route <c>claims</c> in <paramref name="state"/>.</summary>
    public Task WaitForRouteStateAsync(RouteState state)
    {
        var workers = Gateway.Services.GetRequiredService<DeliveryWorkers>();
        return Eventually.UntilAsync(() => workers.RouteStatus("claims")?.State == state, TimeSpan.FromSeconds(10), () => $"Route claims is {workers.RouteStatus("claims")?.State}, not {state}, after 10 seconds.");
    }

    /// <summary>Waits until the workers have made two whole rounds of route <c>claims</c> from now (a round under way may have begun before).</summary>
    public async Task WaitForTwoRoundsAsync()
    {
        var workers = Gateway.Services.GetRequiredService<DeliveryWorkers>();
        var signals = Gateway.Services.GetRequiredService<DeliverySignals>();
        for (var i = 0; i < 2; i++)
        {
            var rounds = workers.RouteStatus("claims")!.Value.Rounds;
            signals.Notify("claims");
            await Eventually.UntilAsync(() => workers.RouteStatus("claims")!.Value.Rounds > rounds, TimeSpan.FromSeconds(10), "The workers did not look at the store again within 10 seconds.");
        }
    }

    /// <summary>From now on the upstream answers 200.</summary>
    public void UpstreamAccepts() => Gateway.Upstream.Respond = RecordingUpstream.DefaultRespond;

    public async Task<StoredDelivery> WaitForStateAsync(Guid id, DeliveryState state, double seconds = 15)
    {
        var delivery = await Eventually.UntilAsync(
            () => Store.GetAsync(id, includeBody: false, TestContext.Current.CancellationToken),
            d => d?.State == state,
            TimeSpan.FromSeconds(seconds),
            d => $"Delivery {id} is {d?.State.ToString() ?? "missing"} (attempts {d?.Attempts}, last {d?.LastError ?? d?.LastStatusCode?.ToString(CultureInfo.InvariantCulture)}), not {state}, after {seconds} seconds.");
        return delivery!;
    }

    /// <summary>Asserts that a dead delivery is still dead after its one attempt: nothing replayed it.</summary>
    public async Task AssertUntouchedAsync(Guid id)
    {
        var stored = await Store.GetAsync(id, false, TestContext.Current.CancellationToken);
        Assert.Equal(DeliveryState.Dead, stored!.State);
        Assert.Equal(1, stored.Attempts);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
