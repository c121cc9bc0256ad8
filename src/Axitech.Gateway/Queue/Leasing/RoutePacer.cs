using System.Threading.RateLimiting;

namespace Axitech.Gateway.Queue;

/// <summary>
/// A queued route's pace (route metadata <c>WebhookDeliveryRate</c>): at most that many attempts in any one-second
/// window of this replica, so that an upstream that just recovered is not met by its whole backlog at once. A sliding
/// window of System.Threading.RateLimiting one segment longer than a second: a permit comes back only when its whole
/// segment has left the window, so no permit is used twice within a second, whichever second one looks at (a window of
/// exactly one second would hand a permit back up to a segment early). A token bucket would not do: it allows its
/// capacity on top of its rate in a second.
/// </summary>
internal sealed class RoutePacer : IDisposable
{
    private const int SegmentsPerSecond = 20;

    private readonly SlidingWindowRateLimiter _limiter;

    public RoutePacer(int rate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        Rate = rate;
        Segment = TimeSpan.FromSeconds(1.0 / SegmentsPerSecond);
        _limiter = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = rate,
            Window = TimeSpan.FromSeconds(1) + Segment,
            SegmentsPerWindow = SegmentsPerSecond + 1,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    public int Rate { get; }

    /// <summary>How soon a permit can come back: how long to wait when none is left.</summary>
    public TimeSpan Segment { get; }

    /// <summary>Takes as many permits as are free now, at most <paramref name="wanted"/>.</summary>
    public int Take(int wanted)
    {
        var available = (int)Math.Min(wanted, _limiter.GetStatistics()?.CurrentAvailablePermits ?? 0);
        if (available <= 0)
        {
            return 0;
        }

        using var lease = _limiter.AttemptAcquire(available);
        return lease.IsAcquired ? available : 0;
    }

    public void Dispose() => _limiter.Dispose();
}
