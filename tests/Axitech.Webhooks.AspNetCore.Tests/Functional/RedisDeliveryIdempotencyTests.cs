using Axitech.Gateway.Testing.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Webhooks.AspNetCore.Tests.Functional;

/// <summary><c>RequireDeliveryIdempotency</c> on two app instances sharing a real redis-server through Microsoft.Extensions.Caching.StackExchangeRedis.</summary>
public sealed class RedisDeliveryIdempotencyTests
{
    [Fact]
    public async Task TwoInstances_ConcurrentRepeats_RunTheHandlerOnce_409WhileRunning_ThenTheSameStatus()
    {
        await using var redis = await RedisServer.StartAsync();
        var runs = new Counter();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var endpoint = IdempotencyScenarios.Endpoint(async _ => { await release.Task; return Results.StatusCode(201); }, runs);
        await using var first = await StartAsync(redis, endpoint);
        await using var second = await StartAsync(redis, endpoint);

        await IdempotencyScenarios.ConcurrentRepeats_RunTheHandlerOnce_409WhileRunning_ThenTheSameStatusAsync(first, second, runs, release);
    }

    [Fact]
    public async Task TwoInstances_FailureOrException_LeavesTheIdFree()
    {
        await using var redis = await RedisServer.StartAsync();
        var runs = new Counter();
        var endpoint = IdempotencyScenarios.Endpoint(IdempotencyScenarios.FailThenThrowThenSucceed, runs);
        await using var first = await StartAsync(redis, endpoint);
        await using var second = await StartAsync(redis, endpoint);

        await IdempotencyScenarios.FailureOrException_LeavesTheIdFree_ThenTheRetryRunsOnceAsync(first, second, runs);
    }

    private static Task<WebhookApp> StartAsync(RedisServer redis, Action<Microsoft.AspNetCore.Builder.WebApplication> endpoint)
        => WebhookApp.StartAsync(endpoint, services: s => s.AddStackExchangeRedisCache(o => o.Configuration = redis.ConnectionString));
}
