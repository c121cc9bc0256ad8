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

    /// <summary>The same for a gateway process, as environment variables.</summary>
    public static Dictionary<string, string> QueueEnvironment(string databasePath) => new()
    {
        ["ReverseProxy__Routes__claims__Metadata__WebhookDelivery"] = "Queue",
        ["Webhooks__Queue__Path"] = databasePath,
        ["Webhooks__Queue__Retry__InitialDelay"] = "00:00:00.050",
        ["Webhooks__Queue__Retry__MaxDelay"] = "00:00:00.200",
        ["Webhooks__Queue__PollInterval"] = "00:00:01",
    };

    public static IDeliveryStore Store(this TestGateway gateway) => gateway.Services.GetRequiredService<IDeliveryStore>();

    /// <summary>Sends the delivery to a queued route and returns the id of the 202.</summary>
    public static async Task<Guid> AcceptedAsync(this TestGateway gateway, SignedRequest delivery)
    {
        using var response = await gateway.SendAsync(delivery);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return Guid.Parse(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
    }

    /// <summary>Waits until <paramref name="condition"/> holds, at most <paramref name="seconds"/> seconds.</summary>
    public static async Task Eventually(Func<bool> condition, double seconds = 10, string? because = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because ?? $"Condition not met within {seconds} seconds.");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the store holds the delivery in <paramref name="state"/>, and returns it.</summary>
    public static async Task<StoredDelivery> WaitForStateAsync(IDeliveryStore store, Guid id, DeliveryState state, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var delivery = await store.GetAsync(id, includeBody: false, default);
            if (delivery?.State == state)
            {
                return delivery;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Delivery {id} is {delivery?.State.ToString() ?? "missing"} (attempts {delivery?.Attempts}, last {delivery?.LastError ?? delivery?.LastStatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture)}), not {state}, after {seconds} seconds.");
            await Task.Delay(50);
        }
    }
}
