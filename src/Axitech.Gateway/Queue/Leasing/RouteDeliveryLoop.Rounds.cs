namespace Axitech.Gateway.Queue;

/// <summary>One round of a route's workers in each of its states: what to lease, and how long to sleep after.</summary>
internal sealed partial class RouteDeliveryLoop
{
    /// <summary>One look at the store in the route's state; returns how long to sleep.</summary>
    private async Task<TimeSpan> RoundAsync()
    {
        await ReportTransitionAsync().ConfigureAwait(false);
        var route = _context.Snapshots.Current.Routes.GetValueOrDefault(_routeId);
        var pacer = Pace(route?.DeliveryRate);
        if (await _context.Pauses.IsPausedAsync(_routeId, _abort).ConfigureAwait(false))
        {
            SetState(RouteState.Paused);
            await ExpireAsync().ConfigureAwait(false);
            return Options.PollInterval;
        }

        if (_backoff.IsBackingOff)
        {
            SetState(RouteState.BackingOff);
            return await ProbeAsync(pacer).ConfigureAwait(false);
        }

        SetState(RouteState.Delivering);
        var free = (route?.DeliveryConcurrency ?? Options.MaxConcurrency) - InFlight;
        if (free <= 0)
        {
            // Every slot is busy: a finished attempt wakes the loop.
            return Options.PollInterval;
        }

        var wanted = pacer?.Take(free) ?? free;
        if (wanted == 0)
        {
            return pacer!.Segment;
        }

        // Not cancelled by stopping: a lease taken in the store is always attempted (or released at shutdown).
        var leasedAt = TimeProvider.GetUtcNow();
        var leased = await Store.LeaseDueAsync(_routeId, wanted, _owner, Options.Lease, _abort).ConfigureAwait(false);
        foreach (var delivery in leased)
        {
            StartAttempt(delivery, probe: false);
        }

        if (leased.Count == wanted)
        {
            // More may be due: at once when slots are free, else when one frees; the pace when it held some back.
            return wanted < free ? pacer!.Segment : Options.PollInterval;
        }

        return await UntilNextDueAsync(leased.Count, leasedAt).ConfigureAwait(false);
    }

    /// <summary>Backing off: one delivery, the oldest due, once the step has passed and no probe is under way.</summary>
    private async Task<TimeSpan> ProbeAsync(RoutePacer? pacer)
    {
        await ExpireAsync().ConfigureAwait(false);
        if (InFlight > 0)
        {
            // The probe (or an attempt leased before the outage) is under way; its end wakes the loop.
            return Options.PollInterval;
        }

        var untilProbe = _backoff.NextProbeAt - TimeProvider.GetUtcNow();
        if (untilProbe > TimeSpan.Zero)
        {
            return untilProbe < Options.PollInterval ? untilProbe : Options.PollInterval;
        }

        if (pacer is not null && pacer.Take(1) == 0)
        {
            return pacer.Segment;
        }

        var leasedAt = TimeProvider.GetUtcNow();
        var leased = await Store.LeaseDueAsync(_routeId, 1, _owner, Options.Lease, _abort).ConfigureAwait(false);
        if (leased.Count == 0)
        {
            return await UntilNextDueAsync(0, leasedAt).ConfigureAwait(false);
        }

        // Each probe refreshes the replica's report, so that deliveries routes can tell a live outage from a stale one.
        await Store.ReportBackoffAsync(_routeId, _owner, _backoffSince, _abort).ConfigureAwait(false);
        StartAttempt(leased[0], probe: true);
        return Options.PollInterval;
    }

    /// <summary>
    /// Until the next delivery falls due. One that was due when the lease ran, yet was not leased, is held by another
    /// replica (locked, or leased): looked at again after a short while, not in a tight loop. One that fell due since
    /// (the clock moved on while the lease ran) is leased at once.
    /// </summary>
    private async Task<TimeSpan> UntilNextDueAsync(int leased, DateTimeOffset leasedAt)
    {
        var next = await Store.GetNextDueAsync(_routeId, _abort).ConfigureAwait(false);
        if (next is null)
        {
            return Options.PollInterval;
        }

        if (leased == 0 && next.Value <= leasedAt)
        {
            return _minWait;
        }

        var wait = next.Value - TimeProvider.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Options.PollInterval ? Options.PollInterval : wait;
    }

    /// <summary>Dead-letters what passed MaxAge while nothing attempts it (at most once a second).</summary>
    private async Task ExpireAsync()
    {
        var now = TimeProvider.GetUtcNow();
        if (now - _lastExpiry < _expiryInterval)
        {
            return;
        }

        _lastExpiry = now;
        var expired = await Store.ExpireAsync(_routeId, now - Options.Retry.MaxAge, _abort).ConfigureAwait(false);
        if (expired > 0)
        {
            Log.Expired(Logger, _routeId, expired, Options.Retry.MaxAge.TotalHours);
        }
    }

    /// <summary>Logs and reports an outage that began or ended since the last round (one line each, with the backlog).</summary>
    private async Task ReportTransitionAsync()
    {
        if (_backoff.TakeTransition() is not { } transition)
        {
            return;
        }

        var pending = (await Store.GetStatsAsync(_abort).ConfigureAwait(false)).FirstOrDefault(r => string.Equals(r.RouteId, _routeId, StringComparison.OrdinalIgnoreCase))?.Pending ?? 0;
        if (transition.Began)
        {
            _backoffSince = transition.Since;
            SetState(RouteState.BackingOff);
            Log.BackingOff(Logger, _routeId, RouteBackoff.FailuresToBackOff, pending, (_backoff.NextProbeAt - TimeProvider.GetUtcNow()).TotalSeconds);
            await Store.ReportBackoffAsync(_routeId, _owner, transition.Since, _abort).ConfigureAwait(false);
        }
        else
        {
            _backoffSince = null;
            Log.Recovered(Logger, _routeId, transition.Lasted.TotalSeconds, pending);
            await Store.ReportBackoffAsync(_routeId, _owner, null, _abort).ConfigureAwait(false);
        }
    }

    /// <summary>The route's pacer for <paramref name="rate"/> (none when unlimited), anew when a reload changed it.</summary>
    private RoutePacer? Pace(int? rate)
    {
        if (_pacer?.Rate != rate)
        {
            _pacer?.Dispose();
            _pacer = rate is { } limit ? new RoutePacer(limit) : null;
        }

        return _pacer;
    }

    private void SetState(RouteState state)
    {
        _state = (int)state;
        _context.Metrics.QueueRouteState(_routeId, state);
    }
}
