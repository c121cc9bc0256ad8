using System.Net;
using Axitech.Gateway.Testing.Deliveries;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Gateway.Testing.Polling;
using Axitech.Gateway.Testing.Services;

namespace Axitech.Webhooks.AspNetCore.Tests.Functional;

/// <summary>
/// <c>samples/ClaimsReceiver</c> (both packages) behind a queued route of the real gateway, as processes: the gateway
/// is killed with SIGKILL while the sample processes a delivery, and restarted on the same queue file. The gateway
/// delivers the interrupted delivery again (at least once); the sample processes every delivery exactly once.
/// </summary>
public sealed class ClaimsReceiverBehindGatewayTests : IDisposable
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private static readonly TimeSpan _processing = TimeSpan.FromSeconds(1.5);
    private readonly string _directory = Directory.CreateTempSubdirectory("axwh-sample-").FullName;
    private readonly HttpClient _sender = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _sender.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task GatewayKilledMidAttempt_AndRestarted_EveryDeliveryIsProcessedExactlyOnce()
    {
        await using var receiver = await ClaimsReceiverProcess.StartAsync(_processing);

        await RunAsync([receiver], maxConcurrency: 1, deliveries: 4);
    }

    [Fact]
    public async Task TwoInstancesOnRedis_GatewayKilledMidAttempt_AndRestarted_EveryDeliveryIsProcessedExactlyOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = await ClaimsReceiverProcess.StartAsync(_processing, redis.ConnectionString);
        await using var second = await ClaimsReceiverProcess.StartAsync(_processing, redis.ConnectionString);

        await RunAsync([first, second], maxConcurrency: 2, deliveries: 8);
    }

    private async Task RunAsync(ClaimsReceiverProcess[] receivers, int maxConcurrency, int deliveries)
    {
        void Configure(Dictionary<string, string?> c)
        {
            c["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Queue";
            c["Webhooks:Queue:Path"] = Path.Combine(_directory, "queue.db");
            c["Webhooks:Queue:Retry:InitialDelay"] = "00:00:00.100";
            c["Webhooks:Queue:Retry:MaxDelay"] = "00:00:00.500";
            c["Webhooks:Queue:PollInterval"] = "00:00:01";
            c["Webhooks:Queue:Lease"] = "00:00:03";
            c["Webhooks:Queue:MaxConcurrency"] = maxConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < receivers.Length; i++)
            {
                c[$"ReverseProxy:Clusters:upstream:Destinations:d{i + 1}:Address"] = receivers[i].Address.ToString();
            }
        }

        var ids = new List<string>();
        await using (var gateway = await GatewayProcess.StartAsync(Configure))
        {
            for (var i = 0; i < deliveries; i++)
            {
                using var response = await _sender.SendAsync(SignedRequest.Create(Target).ToHttpRequest(gateway.PublicPort), TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids.Add(Assert.Single(response.Headers.GetValues("X-Axitech-Delivery-Id")));
            }

            await Eventually.UntilAsync(() => receivers.Any(r => r.Started.Any()), TimeSpan.FromSeconds(30), () => "No delivery reached the sample within 30 seconds:" + Environment.NewLine + gateway.Output);
            await gateway.SignalAsync("KILL");
            Assert.NotNull(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        // The attempts the kill cut off: their processing had begun, and finishes without anyone to answer.
        var interrupted = receivers.SelectMany(r => r.Started).ToHashSet();
        Assert.NotEmpty(interrupted);

        await using var restarted = await GatewayProcess.StartAsync(Configure);
        await Eventually.UntilAsync(
            async () => (await ProcessedAsync(receivers)).Count == ids.Count && interrupted.All(id => receivers.Any(r => r.AnsweredFromRecord.Contains(id))),
            TimeSpan.FromSeconds(60),
            () => "Not every delivery was processed, or an interrupted one was not delivered again, within 60 seconds:" + Environment.NewLine + restarted.Output + Environment.NewLine + string.Join(Environment.NewLine, receivers.Select(r => r.Output)));

        var processed = await ProcessedAsync(receivers);
        Assert.Equal(ids.Order(), processed.Keys.Order());
        Assert.All(processed, p => Assert.True(p.Value == 1, $"Delivery {p.Key} was processed {p.Value} times."));
    }

    /// <summary>Every instance's counts, added up per delivery.</summary>
    private static async Task<Dictionary<string, int>> ProcessedAsync(ClaimsReceiverProcess[] receivers)
    {
        var total = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var receiver in receivers)
        {
            foreach (var (id, count) in await receiver.ProcessedAsync())
            {
                total[id] = total.GetValueOrDefault(id) + count;
            }
        }

        return total;
    }
}
