using System.Net;
using System.Threading.RateLimiting;
using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Options;

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

    public FailureThrottle(IOptions<GatewayOptions> options)
    {
        var settings = options.Value.FailureThrottling;
        RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(settings.Window.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!settings.Enabled)
        {
            return;
        }

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
    public bool IsThrottled(IPAddress client)
        => _limiter is not null && _limiter.GetStatistics(client)?.CurrentAvailablePermits == 0;

    /// <summary>Takes one permit for a failed verification.</summary>
    public void RecordFailure(IPAddress client)
    {
        if (_limiter is not null)
        {
            using var lease = _limiter.AttemptAcquire(client);
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
