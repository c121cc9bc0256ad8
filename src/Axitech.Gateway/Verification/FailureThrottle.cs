using System.Net;
using System.Threading.RateLimiting;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;

namespace Axitech.Gateway.Verification;

/// <summary>
/// Throttles clients that keep failing verification: each failure takes a permit from a fixed-window limiter
/// partitioned per client (ASP.NET Core's rate limiting primitives), and a client with no permit left is answered 429
/// before its body is read. Once a client has failed in its window, its requests still being verified count against
/// its remaining permits too, so that a failing client cannot have more forgeries read and hashed at once than it has
/// failures left. Successes take nothing, and a client without failures is never refused for concurrency, so authentic
/// traffic is throttled neither by its own bursts nor by other clients' failures.
/// </summary>
internal sealed class FailureThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _limiter;
    private readonly int _permitLimit;

    /// <summary>Requests being verified, per client that had failed in its window when they came in.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPAddress, int> _inFlight = new();

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

        _permitLimit = settings.PermitLimit;
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

    /// <summary>
    /// Lets a request in, or refuses it (false) when its client has no permit left for it: its failures in the window
    /// and, once it has any, its requests in flight count. When <paramref name="counted"/> comes back true the request
    /// is counted in flight until <see cref="Leave"/>.
    /// </summary>
    /// <remarks>
    /// Called on every request. While no client has failed lately, no client can be out of permits, and the answer
    /// comes without the limiter: asking it takes its lock, allocates statistics, and creates a partition for every
    /// new client.
    /// </remarks>
    public bool TryEnter(IPAddress client, out bool counted)
    {
        counted = false;
        if (_limiter is null || Environment.TickCount64 - Volatile.Read(ref _lastFailure) > _quietMilliseconds)
        {
            return true;
        }

        var available = _limiter.GetStatistics(client)?.CurrentAvailablePermits ?? _permitLimit;
        if (available >= _permitLimit)
        {
            // No failure in this window: never refused for concurrency, and not counted.
            return true;
        }

        if (_inFlight.AddOrUpdate(client, 1, static (_, count) => count + 1) > available)
        {
            Leave(client);
            return false;
        }

        counted = true;
        return true;
    }

    /// <summary>Ends a request that <see cref="TryEnter"/> counted (its verification is over).</summary>
    public void Leave(IPAddress client) => _inFlight.Subtract(client, 1);

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
