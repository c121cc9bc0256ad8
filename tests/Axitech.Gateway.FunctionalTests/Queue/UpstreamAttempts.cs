using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// Takes over a <see cref="RecordingUpstream"/>'s answers for queued deliveries: answers each request with
/// <see cref="Answer"/> (200 unless told otherwise) and records every attempt with its timing, and how many ran at once
/// at most. A request aborted by the gateway (timeout, process killed) is recorded with status 0 when the upstream
/// notices.
/// </summary>
public sealed class UpstreamAttempts
{
    private readonly ConcurrentQueue<UpstreamAttempt> _attempts = new();
    private readonly ConcurrentDictionary<ReceivedRequest, TimeSpan> _running = new(ReferenceEqualityComparer.Instance);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _runningCount;
    private int _maxRunning;

    public UpstreamAttempts(RecordingUpstream upstream) => upstream.Respond = RespondAsync;

    /// <summary>Answers one attempt: writes the response (or holds it) and returns the status it answered.</summary>
    public Func<ReceivedRequest, HttpContext, Task<int>> Answer { get; set; } = (_, context) => Status(context, StatusCodes.Status200OK);

    public IReadOnlyList<UpstreamAttempt> All => [.. _attempts];

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The requests the upstream is answering (or holding) now, and when each began.</summary>
    public IReadOnlyCollection<(ReceivedRequest Request, TimeSpan Started)> Running => [.. _running.Select(r => (r.Key, r.Value))];

    public IReadOnlyList<UpstreamAttempt> Of(Guid deliveryId) => [.. _attempts.Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Started)];

    /// <summary>The ids the upstream acknowledged (answered 2xx) at least once.</summary>
    public IReadOnlySet<Guid> Acknowledged => _attempts.Where(a => a.Status is >= 200 and <= 299).Select(a => a.DeliveryId).ToHashSet();

    public static async Task<int> Status(HttpContext context, int status, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        await context.Response.WriteAsync("answer");
        return status;
    }

    /// <summary>Holds the request until <paramref name="release"/> completes or the gateway gives up on it, then answers 200.</summary>
    public static async Task<int> Hold(HttpContext context, Task release)
    {
        try
        {
            await release.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        return await Status(context, StatusCodes.Status200OK);
    }

    private async Task RespondAsync(HttpContext context, ReceivedRequest request)
    {
        var started = _clock.Elapsed;
        var startedAt = DateTimeOffset.UtcNow;
        _running.TryAdd(request, started);
        var running = Interlocked.Increment(ref _runningCount);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }

        // Recorded as the answer starts, before the gateway can have it (and settle, and start another attempt), or
        // when the handler ends without answering (status 0: the gateway gave up or died).
        var finished = 0;
        void Finish(int status)
        {
            if (Interlocked.Exchange(ref finished, 1) != 0)
            {
                return;
            }

            Interlocked.Decrement(ref _runningCount);
            _running.TryRemove(request, out _);
            _attempts.Enqueue(new UpstreamAttempt(
                Guid.TryParse(request.Header("X-Axitech-Delivery-Id"), out var id) ? id : Guid.Empty,
                int.TryParse(request.Header("X-Axitech-Delivery-Attempt"), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt) ? attempt : 0,
                started,
                _clock.Elapsed,
                startedAt,
                status,
                request));
        }

        context.Response.OnStarting(() =>
        {
            Finish(context.Response.StatusCode);
            return Task.CompletedTask;
        });
        try
        {
            await Answer(request, context);
        }
        finally
        {
            Finish(context.Response.HasStarted ? context.Response.StatusCode : 0);
        }
    }
}
