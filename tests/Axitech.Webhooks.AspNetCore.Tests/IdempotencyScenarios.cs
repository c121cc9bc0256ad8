using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary>
/// The idempotency guarantee, as scenarios run against one cache (in memory) or shared by two app instances (Redis):
/// <c>first</c> runs the first copy, <c>second</c> the repeats.
/// </summary>
internal static class IdempotencyScenarios
{
    public static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"event_type":"session.submitted","data":{"sessionId":"once"}}""");

    /// <summary>An endpoint whose handler counts its runs and does what <paramref name="handler"/> says.</summary>
    public static Action<WebApplication> Endpoint(Func<int, Task<IResult>> handler, Counter runs)
        => app => app.MapPost("/deliveries", async (HttpRequest request) =>
            {
                using var copy = new MemoryStream();
                await request.Body.CopyToAsync(copy);
                Assert.Equal(Body, copy.ToArray());
                return await handler(runs.Increment());
            })
            .RequireAxitechSignature("axitech")
            .RequireDeliveryIdempotency();

    public static HttpRequestMessage Delivery(WebhookApp app, string id)
    {
        var request = app.Signed("/deliveries", Body);
        request.Headers.Add("X-Axitech-Delivery-Id", id);
        return request;
    }

    public static async Task ConcurrentRepeats_RunTheHandlerOnce_409WhileRunning_ThenTheSameStatusAsync(WebhookApp first, WebhookApp second, Counter runs, TaskCompletionSource release)
    {
        var token = TestContext.Current.CancellationToken;
        var id = Guid.NewGuid().ToString("D");
        var running = first.Client.SendAsync(Delivery(first, id), token);
        await WaitAsync(() => runs.Value == 1, "The first copy's handler did not start within 10 seconds.");

        var repeats = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? second : first) is var app ? app.Client.SendAsync(Delivery(app, id), token) : null!));
        foreach (var repeat in repeats)
        {
            Assert.Equal(HttpStatusCode.Conflict, repeat.StatusCode);
            Assert.Equal("in_flight", await Problem.ReasonAsync(repeat));
            repeat.Dispose();
        }

        release.SetResult();
        using (var answer = await running)
        {
            Assert.Equal(HttpStatusCode.Created, answer.StatusCode);
        }

        var after = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? second : first) is var app ? app.Client.SendAsync(Delivery(app, id), token) : null!));
        foreach (var repeat in after)
        {
            Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
            Assert.Equal("true", Assert.Single(repeat.Headers.GetValues("X-Axitech-Duplicate")));
            repeat.Dispose();
        }

        Assert.Equal(1, runs.Value);
    }

    public static async Task FailureOrException_LeavesTheIdFree_ThenTheRetryRunsOnceAsync(WebhookApp first, WebhookApp second, Counter runs)
    {
        var token = TestContext.Current.CancellationToken;
        var id = Guid.NewGuid().ToString("D");
        using (var failed = await first.Client.SendAsync(Delivery(first, id), token))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode); // run 1: answers 500
        }

        using (var threw = await second.Client.SendAsync(Delivery(second, id), token))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, threw.StatusCode); // run 2: throws
        }

        using (var succeeded = await first.Client.SendAsync(Delivery(first, id), token))
        {
            Assert.Equal(HttpStatusCode.Created, succeeded.StatusCode); // run 3
        }

        using (var repeat = await second.Client.SendAsync(Delivery(second, id), token))
        {
            Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
            Assert.True(repeat.Headers.Contains("X-Axitech-Duplicate"));
        }

        Assert.Equal(3, runs.Value);
    }

    /// <summary>Run 1 answers 500, run 2 throws, later runs answer 201.</summary>
    public static Task<IResult> FailThenThrowThenSucceed(int run) => run switch
    {
        1 => Task.FromResult(Results.StatusCode(500)),
        2 => throw new InvalidOperationException("The handler failed."),
        _ => Task.FromResult(Results.StatusCode(201)),
    };

    public static async Task WaitAsync(Func<bool> condition, string message)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), message);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
