using System.Net;
using System.Threading.RateLimiting;
using Axitech.Gateway.Configuration;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Throttles clients that keep failing verification: each failure takes a permit from a fixed-window limiter
/// partitioned per client (ASP.NET Core's rate limiting primitives), and a client with no permit left is answered 429
/// before its body is read. Successes take nothing, so authentic traffic is throttled neither by its own successes
/// nor by other clients' failures.
/// </summary>
internal sealed class FailureThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _limiter;

    /// <summary>
    /// How long after the last failure (of any client) a client may still be out of permits: its window ends at most
    /// one window after that failure and the limiter replenishes it on its next 100 ms tick; twice the window and a
    /// second more leaves room for a late timer.
    /// </summary>
    private readonly long _quietMilliseconds;

    /// <summary><see cref="Environment.TickCount64"/> at the last recorded failure; long.MinValue / 2 before any.</summary>
    private long _lastFailure = long.MinValue / 2;

    public FailureThrottle(FailureThrottlingOptions settings)
    {
        RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(settings.Window.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!settings.Enabled)
        {
            return;
        }

        _quietMilliseconds = (long)(2 * settings.Window.TotalMilliseconds) + 1000;
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(client => RateLimitPartition.GetFixedWindowLimiter(
            client,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.PermitLimit,
                Window = settings.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>The Retry-After of a 429: the window's length, which the current window cannot outlast.</summary>
    public string RetryAfterSeconds { get; }

    /// <summary>Whether the client has used up its failures for the current window.</summary>
    /// <remarks>
    /// Called on every request. While no client has failed lately, no client can be out of permits, and the answer
    /// comes without the limiter: asking it takes its lock, allocates statistics, and creates a partition for every
    /// new client.
    /// </remarks>
    public bool IsThrottled(IPAddress client)
        => _limiter is not null
            && Environment.TickCount64 - Volatile.Read(ref _lastFailure) <= _quietMilliseconds
            && _limiter.GetStatistics(client)?.CurrentAvailablePermits == 0;

    /// <summary>Takes one permit for a failed verification.</summary>
    public void RecordFailure(IPAddress client)
    {
        if (_limiter is not null)
        {
            Volatile.Write(ref _lastFailure, Environment.TickCount64);
            using var lease = _limiter.AttemptAcquire(client);
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
