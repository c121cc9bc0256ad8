namespace Axitech.Gateway.Queue;

/// <summary>
/// Whether a queued route is in an outage, as this replica sees it. <see cref="RouteState.Delivering"/> until
/// <see cref="FailuresToBackOff"/> attempts in a row failed with a retryable result, on every destination the cluster
/// offered (one live destination is no outage); then <see cref="RouteState.BackingOff"/>: one probe per backoff step
/// (<see cref="DeliveryRetryPolicy.DelayAfter"/> of the step, at least the upstream's <c>Retry-After</c>), until an
/// answer that is not a retryable failure (a 2xx, or a 4xx that dead-letters its own delivery) ends it. Thread-safe:
/// attempts end on their own tasks. A transition is kept for the loop to log and report (<see cref="TakeTransition"/>).
/// </summary>
internal sealed class RouteBackoff
{
    /// <summary>Retryable failures in a row, with no other answer between them, that make an outage.</summary>
    public const int FailuresToBackOff = 3;

    private readonly DeliveryRetryPolicy _policy;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _failedDestinations = new(StringComparer.OrdinalIgnoreCase);
    private int _failures;
    private int _step;
    private DateTimeOffset? _since;
    private DateTimeOffset _nextProbeAt;
    private Transition? _transition;

    public RouteBackoff(DeliveryRetryPolicy policy) => _policy = policy;

    public bool IsBackingOff
    {
        get
        {
            lock (_gate)
            {
                return _since is not null;
            }
        }
    }

    /// <summary>When the next probe is due (meaningful while backing off).</summary>
    public DateTimeOffset NextProbeAt
    {
        get
        {
            lock (_gate)
            {
                return _nextProbeAt;
            }
        }
    }

    /// <summary>An answer that is not a retryable failure: ends an outage.</summary>
    public void Answered(DateTimeOffset now)
    {
        lock (_gate)
        {
            _failures = 0;
            _failedDestinations.Clear();
            if (_since is { } since)
            {
                _transition = new Transition(false, since, now - since);
                _since = null;
                _step = 0;
            }
        }
    }

    /// <summary>
    /// A retryable failure of an attempt made while delivering, on <paramref name="destination"/> among
    /// <paramref name="candidates"/> (the destinations the cluster offered). Returns true when it begins an outage.
    /// </summary>
    public bool Failed(DateTimeOffset now, string? destination, IReadOnlyCollection<string> candidates, TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            if (_since is not null)
            {
                return false;
            }

            _failures++;
            if (destination is not null)
            {
                _failedDestinations.Add(destination);
            }

            if (_failures < FailuresToBackOff || !candidates.All(_failedDestinations.Contains))
            {
                return false;
            }

            _since = now;
            _step = 1;
            _nextProbeAt = now + Delay(_step, retryAfter);
            _transition = new Transition(true, now, TimeSpan.Zero);
            return true;
        }
    }

    /// <summary>A probe failed: the next one is a step later. Returns when it is due.</summary>
    public DateTimeOffset ProbeFailed(DateTimeOffset now, TimeSpan? retryAfter)
    {
        lock (_gate)
        {
            _step++;
            _nextProbeAt = now + Delay(_step, retryAfter);
            return _nextProbeAt;
        }
    }

    /// <summary>The outage that began or ended since the last call, if one did.</summary>
    public Transition? TakeTransition()
    {
        lock (_gate)
        {
            var transition = _transition;
            _transition = null;
            return transition;
        }
    }

    private TimeSpan Delay(int step, TimeSpan? retryAfter)
    {
        var delay = _policy.DelayAfter(step);
        return retryAfter is { } asked && asked > delay ? asked : delay;
    }

    /// <summary>An outage began (<paramref name="Began"/>) or ended, since <paramref name="Since"/>, having lasted <paramref name="Lasted"/>.</summary>
    internal sealed record Transition(bool Began, DateTimeOffset Since, TimeSpan Lasted);
}
