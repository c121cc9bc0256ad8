using System.Globalization;
using System.Net;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>Test configuration of queued routes, and waiting on what the workers do.</summary>
internal static class QueueSettings
{
    /// <summary>
    /// Makes <paramref name="route"/> queued (none when null), deliveries kept in <paramref name="databasePath"/>, with
    /// delays short enough for a test: retries after about 50 ms (at most 200 ms), a look at the store every second.
    /// The same configuration serves <see cref="TestGateway"/> and <see cref="GatewayProcess"/>.
    /// </summary>
    public static void Queue(Dictionary<string, string?> configuration, string databasePath, string? route = "claims")
    {
        if (route is not null)
        {
            configuration[$"ReverseProxy:Routes:{route}:Metadata:WebhookDelivery"] = "Queue";
        }

        configuration["Webhooks:Queue:Path"] = databasePath;
        configuration["Webhooks:Queue:Retry:InitialDelay"] = "00:00:00.050";
        configuration["Webhooks:Queue:Retry:MaxDelay"] = "00:00:00.200";
        configuration["Webhooks:Queue:PollInterval"] = "00:00:01";
    }

    public static IDeliveryStore Store(this TestGateway gateway) => gateway.Services.GetRequiredService<IDeliveryStore>();

    /// <summary>Sends the delivery to a queued route and returns the id of the 202.</summary>
    public static async Task<Guid> AcceptedAsync(this TestGateway gateway, SignedRequest delivery)
    {
        using var response = await gateway.SendAsync(delivery);
        return AcceptedId(response);
    }

    /// <summary>The id of a queued route's 202.</summary>
    public static Guid AcceptedId(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Guid.Parse(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
    }

    /// <summary>Waits until the store holds the delivery in <paramref name="state"/>, and returns it.</summary>
    public static async Task<StoredDelivery> WaitForStateAsync(IDeliveryStore store, Guid id, DeliveryState state, double seconds = 10)
    {
        var delivery = await Eventually.UntilAsync(
            () => store.GetAsync(id, includeBody: false, TestContext.Current.CancellationToken),
            d => d?.State == state,
            TimeSpan.FromSeconds(seconds),
            d => $"Delivery {id} is {d?.State.ToString() ?? "missing"} (attempts {d?.Attempts}, last {d?.LastError ?? d?.LastStatusCode?.ToString(CultureInfo.InvariantCulture)}), not {state}, after {seconds} seconds.");
        return delivery!;
    }
}
