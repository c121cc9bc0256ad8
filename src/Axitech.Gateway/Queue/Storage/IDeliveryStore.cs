namespace Axitech.Gateway.Queue;

/// <summary>
/// Where accepted deliveries wait for their upstream: durable acceptance (the answer comes after the commit), leasing
/// of due deliveries by workers, conditional settling, and the operator's list, show, replay and purge.
/// </summary>
/// <remarks>
/// Acceptance answers <see cref="AcceptOutcome.Unavailable"/> when the store cannot commit (the request path turns it
/// into 503, as an outcome rather than an exception, like the duplicate store's claim); every other operation throws
/// <see cref="DeliveryStoreUnavailableException"/> then. Times come from the store's <see cref="TimeProvider"/>. The
/// schema is created or migrated by <see cref="InitializeAsync"/>, or by the first operation that needs it, so a store
/// whose database is down at start-up recovers when the database comes back.
/// </remarks>
internal interface IDeliveryStore : IAsyncDisposable
{
    /// <summary><c>sqlite</c> or <c>postgres</c>, for logs and health reports.</summary>
    string Name { get; }

    /// <summary>Transactions the acceptance writer committed; each holds one or more acceptances (group commit).</summary>
    long CommittedBatches { get; }

    /// <summary>Acceptances (new and duplicate) answered by those transactions.</summary>
    long CommittedAcceptances { get; }

    /// <summary>Acceptances waiting for their commit now (at most <see cref="DeliveryQueueOptions.MaxPendingAcceptances"/>).</summary>
    int PendingAcceptances { get; }

    /// <summary>Creates or migrates the schema; throws <see cref="DeliveryStoreUnavailableException"/> when the database cannot be reached or is newer than this gateway.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a delivery durably (committed with a flush before this returns), or answers the original's id when its
    /// dedup key is already stored, or <see cref="AcceptOutcome.Unavailable"/> when nothing could be committed.
    /// Concurrent acceptances are committed together in one transaction.
    /// </summary>
    Task<AcceptResult> AcceptAsync(NewDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="max"/> due deliveries of <paramref name="routeId"/>, oldest first (next attempt
    /// time, then arrival): pending, due, and not under another live lease. Each lease counts as an attempt and lasts
    /// <paramref name="lease"/>. Never hands one delivery to two owners at once, across replicas too.
    /// </summary>
    Task<IReadOnlyList<LeasedDelivery>> LeaseDueAsync(string routeId, int max, string owner, TimeSpan lease, CancellationToken cancellationToken);

    // Each settlement takes the attempt's record (null: none kept), written in the settlement's own commit, only when it settles.

    /// <summary>Marks a leased delivery delivered. False when the lease is no longer this one's (expired and taken over, or settled).</summary>
    Task<bool> MarkDeliveredAsync(DeliveryLease lease, int statusCode, AttemptRecord? attempt, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and makes the delivery due again at <paramref name="nextAttemptAt"/>, its lease cleared. False when the lease is no longer this one's.</summary>
    Task<bool> ScheduleRetryAsync(DeliveryLease lease, DateTimeOffset nextAttemptAt, int? statusCode, string error, AttemptRecord? attempt, CancellationToken cancellationToken);

    /// <summary>Gives a leased delivery up (<see cref="DeliveryState.Dead"/>) with a short reason code. False when the lease is no longer this one's.</summary>
    Task<bool> DeadLetterAsync(DeliveryLease lease, int? statusCode, string reason, AttemptRecord? attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Releases every lease of <paramref name="owner"/> (at shutdown), so other instances need not wait for them to
    /// expire; the attempts they counted stay counted. Returns how many.
    /// </summary>
    Task<int> ReleaseLeasesAsync(string owner, CancellationToken cancellationToken);

    /// <summary>When the next pending delivery of the route is due (a leased one: when its lease expires), or null when none is pending.</summary>
    Task<DateTimeOffset?> GetNextDueAsync(string routeId, CancellationToken cancellationToken);

    /// <summary>Deletes delivered rows past their duplicate-detection time, and dead rows older than <see cref="DeliveryQueueOptions.DeadRetention"/>.</summary>
    Task<PurgeResult> PurgeAsync(CancellationToken cancellationToken);

    /// <summary>Per route with pending or dead deliveries: how many of each and the oldest pending arrival. A route with neither is absent.</summary>
    Task<IReadOnlyList<RouteQueueStats>> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>Whether the store answers now (for /readyz). Never throws for an unreachable store.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>Deliveries newest first, without bodies.</summary>
    Task<IReadOnlyList<StoredDelivery>> ListAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>One delivery, its body decrypted when <paramref name="includeBody"/>; null when there is none with that id.</summary>
    Task<StoredDelivery?> GetAsync(Guid id, bool includeBody, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the given deliveries pending again, due now, attempts reset to 0 (dead or delivered ones, or pending ones
    /// not under a live lease). Returns how many were changed; unknown ids and live-leased ones are not.
    /// </summary>
    Task<int> ReplayAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    /// <summary>Makes the dead deliveries <paramref name="filter"/> selects pending again, as <see cref="ReplayAsync"/> does. Returns how many.</summary>
    Task<int> ReplayDeadAsync(DeadReplayFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failed attempt made while its route was backing off (a probe): the delivery is due again at
    /// <paramref name="nextAttemptAt"/>, its lease cleared, and the attempt is not counted (toward
    /// <see cref="DeliveryRetryOptions.MaxAttempts"/>). False when the lease is no longer this one's.
    /// </summary>
    Task<bool> ReleaseProbeAsync(DeliveryLease lease, DateTimeOffset nextAttemptAt, int? statusCode, string error, AttemptRecord? attempt, CancellationToken cancellationToken);

    /// <summary>Dead-letters (<c>max_age</c>) the pending deliveries of the route received before <paramref name="receivedBefore"/> and not under a live lease. Returns how many.</summary>
    Task<int> ExpireAsync(string routeId, DateTimeOffset receivedBefore, CancellationToken cancellationToken);

    /// <summary>Pauses or resumes a route for every replica. Returns false when it already was so.</summary>
    Task<bool> SetPausedAsync(string routeId, bool paused, CancellationToken cancellationToken);

    /// <summary>The routes paused now.</summary>
    Task<IReadOnlyList<RoutePause>> GetPausedAsync(CancellationToken cancellationToken);

    /// <summary>Records (since <paramref name="since"/>, refreshed now) or clears (null) that <paramref name="owner"/> sees the route backing off.</summary>
    Task ReportBackoffAsync(string routeId, string owner, DateTimeOffset? since, CancellationToken cancellationToken);

    /// <summary>Clears every report of <paramref name="owner"/> (at shutdown).</summary>
    Task ClearBackoffReportsAsync(string owner, CancellationToken cancellationToken);

    /// <summary>The replicas' reports of routes backing off, stale ones included (<see cref="RouteBackoffReport.SeenAt"/> tells).</summary>
    Task<IReadOnlyList<RouteBackoffReport>> GetBackoffReportsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="changed"/> soon (within about a second) after another process changed the store —
    /// a replay, a pause, a resume — until cancelled; also now and then without a change. Never throws but for
    /// cancellation: a store that does not answer is watched again once it does.
    /// </summary>
    Task WatchChangesAsync(Action changed, CancellationToken cancellationToken);

    /// <summary>Deletes dead deliveries, all or those dead for at least <paramref name="olderThan"/>. Returns how many.</summary>
    Task<int> PurgeDeadAsync(TimeSpan? olderThan, CancellationToken cancellationToken);
}
