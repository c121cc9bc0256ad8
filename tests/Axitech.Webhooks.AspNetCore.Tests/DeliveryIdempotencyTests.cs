using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary><c>RequireDeliveryIdempotency</c> with the default in-memory cache.</summary>
public sealed class DeliveryIdempotencyTests
{
    [Fact]
    public async Task ConcurrentRepeats_RunTheHandlerOnce_409WhileRunning_ThenTheSameStatus()
    {
        var runs = new Counter();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await WebhookApp.StartAsync(IdempotencyScenarios.Endpoint(
            async _ => { await release.Task; return Results.StatusCode(201); }, runs));

        await IdempotencyScenarios.ConcurrentRepeats_RunTheHandlerOnce_409WhileRunning_ThenTheSameStatusAsync(app, app, runs, release);
    }

    [Fact]
    public async Task FailureOrException_LeavesTheIdFree()
    {
        var runs = new Counter();
        await using var app = await WebhookApp.StartAsync(IdempotencyScenarios.Endpoint(IdempotencyScenarios.FailThenThrowThenSucceed, runs));

        await IdempotencyScenarios.FailureOrException_LeavesTheIdFree_ThenTheRetryRunsOnceAsync(app, app, runs);
    }

    [Fact]
    public async Task UnsignedRepeatOfAProcessedId_IsRefused_NotAnsweredFromTheRecord()
    {
        var runs = new Counter();
        await using var app = await WebhookApp.StartAsync(IdempotencyScenarios.Endpoint(_ => Task.FromResult(Results.StatusCode(201)), runs));
        var id = Guid.NewGuid().ToString("D");
        using (var first = await app.Client.SendAsync(IdempotencyScenarios.Delivery(app, id), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var forged = IdempotencyScenarios.Delivery(app, id);
        forged.Headers.Remove(AxitechSignature.SignatureHeaderName);
        forged.Headers.Add(AxitechSignature.SignatureHeaderName, new string('0', 64));
        using var response = await app.Client.SendAsync(forged, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, runs.Value);
    }

    [Fact]
    public async Task RequestsWithoutADeliveryId_RunEveryTime()
    {
        var runs = new Counter();
        await using var app = await WebhookApp.StartAsync(IdempotencyScenarios.Endpoint(_ => Task.FromResult(Results.Ok()), runs));

        for (var i = 0; i < 2; i++)
        {
            using var response = await app.Client.SendAsync(app.Signed("/deliveries", IdempotencyScenarios.Body), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, runs.Value);
    }
}
