using System.Net;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Telemetry;
using Axitech.Gateway.Verification;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Gateway.Tests.Pipeline;

/// <summary>
/// What an unverified body may cost (issue 22): a whole-body deadline on the gateway's clock, byte budgets per client
/// and overall reserved before the body is read, and a failing client's requests in flight counted by the throttle.
/// </summary>
public sealed class UnverifiedBodyLimitsTests
{
    private static readonly DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(_now);

    [Fact]
    public async Task ABodyThatDoesNotArriveWhole_IsAnswered408_OnceTheBodyTimeoutHasPassed_OnTheGatewaysClock()
    {
        var budget = new UnverifiedBodyBudget(new LimitsOptions());
        var reader = new BodyReader(budget, _time, new LimitsOptions { BodyTimeout = TimeSpan.FromSeconds(30) });
        var stalling = new StallingStream(new byte[999]);
        using var request = StageTestContext.Create(new byte[1000], _now, edit: r => r.Body = stalling);

        var read = StageTestContext.ScreenAndReadAsync(request, reader);
        await stalling.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(read.IsCompleted, "Answered before the body timeout.");
        _time.Advance(TimeSpan.FromSeconds(1));
        var answer = await read.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StatusCodes.Status408RequestTimeout, answer!.StatusCode);
        Assert.Equal(WebhookOutcomes.BodyTimeout, answer.Reason);
        Assert.True(answer.BodyUnread);
        request.EndVerification();
        Assert.Equal(0, budget.Total);
    }

    [Fact]
    public async Task ADeclaredBodyBeyondTheClientsBudget_IsAnswered429_BeforeItsBodyIsRead_WhileAnotherClientIsServed()
    {
        var limits = new LimitsOptions { UnverifiedBytesPerClient = 3000, UnverifiedBytes = 100_000 };
        var budget = new UnverifiedBodyBudget(limits);
        var reader = new BodyReader(budget, _time, limits);
        var stalling = new StallingStream([]);
        using var holding = StageTestContext.Create(new byte[2000], _now, edit: r => r.Body = stalling);
        var held = StageTestContext.ScreenAndReadAsync(holding, reader);
        await stalling.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2000, budget.Total);

        var body = new CountingStream(new byte[1500]);
        using var refused = StageTestContext.Create(new byte[1500], _now, edit: r => r.Body = body);
        var answer = await StageTestContext.ScreenAndReadAsync(refused, reader);

        Assert.Equal(StatusCodes.Status429TooManyRequests, answer!.StatusCode);
        Assert.Equal(WebhookOutcomes.UnverifiedBytesPerClient, answer.Reason);
        Assert.Equal("30", answer.RetryAfter);
        Assert.False(answer.CountsAsFailure);
        Assert.Equal(0, body.BytesRead);

        using var other = StageTestContext.Create(StageTestContext.Json(), _now, client: IPAddress.Parse("192.0.2.7"));
        Assert.Null(await StageTestContext.ScreenAndReadAsync(other, reader));

        holding.EndVerification();
        other.EndVerification();
        Assert.Equal(0, budget.Total);
        Assert.False(held.IsCompleted);
    }

    [Fact]
    public async Task BeyondTheGatewaysBudget_ANewRequestIsAnswered503()
    {
        var limits = new LimitsOptions { UnverifiedBytesPerClient = 3000, UnverifiedBytes = 3000 };
        var budget = new UnverifiedBodyBudget(limits);
        Assert.Equal(BudgetOutcome.Reserved, budget.TryReserve(IPAddress.Parse("192.0.2.1"), 2500));
        var reader = new BodyReader(budget, _time, limits);

        using var refused = StageTestContext.Create(new byte[1000], _now);
        var answer = await StageTestContext.ScreenAndReadAsync(refused, reader);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, answer!.StatusCode);
        Assert.Equal(WebhookOutcomes.UnverifiedBytes, answer.Reason);
        Assert.Equal(2500, budget.Total);
    }

    [Fact]
    public async Task ABodyWithoutALength_ReservesAsItsBufferGrows_AndIsRefusedWhenItPassesTheBudget()
    {
        var limits = new LimitsOptions { UnverifiedBytesPerClient = 20_000, UnverifiedBytes = 100_000 };
        var budget = new UnverifiedBodyBudget(limits);
        var reader = new BodyReader(budget, _time, limits);

        using var small = StageTestContext.Create(new byte[10_000], _now, contentLength: null, chunk: 1000);
        Assert.Null(await StageTestContext.ScreenAndReadAsync(small, reader));
        Assert.InRange(small.UnverifiedBytes, 10_000, 20_000);
        small.EndVerification();

        using var large = StageTestContext.Create(new byte[30_000], _now, contentLength: null, chunk: 1000);
        var answer = await StageTestContext.ScreenAndReadAsync(large, reader);
        Assert.Equal(WebhookOutcomes.UnverifiedBytesPerClient, answer!.Reason);
        large.EndVerification();
        Assert.Equal(0, budget.Total);
    }

    [Fact]
    public void AClientWithoutFailures_IsNeverRefusedForConcurrency()
    {
        using var throttle = new FailureThrottle(new FailureThrottlingOptions { PermitLimit = 3 });
        var client = IPAddress.Parse("192.0.2.1");
        throttle.RecordFailure(IPAddress.Parse("192.0.2.99"));

        for (var i = 0; i < 200; i++)
        {
            Assert.True(throttle.TryEnter(client, out var counted));
            Assert.False(counted);
        }
    }

    [Fact]
    public void OnceAClientHasFailed_ItsRequestsInFlight_CountAgainstItsRemainingPermits()
    {
        using var throttle = new FailureThrottle(new FailureThrottlingOptions { PermitLimit = 3 });
        var client = IPAddress.Parse("192.0.2.1");
        throttle.RecordFailure(client);

        // Two permits left: two requests may be verified at once, a third is refused before its body is read.
        Assert.True(throttle.TryEnter(client, out var first) && first);
        Assert.True(throttle.TryEnter(client, out var second) && second);
        Assert.False(throttle.TryEnter(client, out _));
        Assert.True(throttle.TryEnter(IPAddress.Parse("192.0.2.2"), out _));

        // One ends: another may start.
        throttle.Leave(client);
        Assert.True(throttle.TryEnter(client, out _));
        Assert.False(throttle.TryEnter(client, out _));
    }

    /// <summary>Hands out its bytes, then waits for the read's cancellation (a sender that stops one byte short).</summary>
    private sealed class StallingStream(byte[] data) : MemoryStream(data)
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when a read waits for the byte that never comes (the reader's deadline is running by then).</summary>
        public Task Stalled => _stalled.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }

            _stalled.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private sealed class CountingStream(byte[] data) : MemoryStream(data)
    {
        public long BytesRead { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            BytesRead += read;
            return read;
        }
    }
}
