namespace Axitech.Gateway.Queue;

/// <summary>
/// <c>Webhooks:Queue</c>: where accepted deliveries are kept until their upstream has them. An embedded SQLite file
/// (<see cref="Path"/>) for a single instance; PostgreSQL, shared by replicas, when <c>ConnectionStrings:Postgres</c>
/// is set.
/// </summary>
public sealed record DeliveryQueueOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Webhooks:Queue";

    /// <summary>
    /// The SQLite database file, relative to the process's working directory unless absolute. Ignored when
    /// <c>ConnectionStrings:Postgres</c> is set. The default is <c>data/queue.db</c>.
    /// </summary>
    public string Path { get; init; } = "data/queue.db";

    /// <summary>How many deliveries of one route may be in flight to its upstream at once (route metadata <c>WebhookDeliveryConcurrency</c> overrides it for one route). The default is 4.</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>
    /// How long an attempt holds its delivery: a delivery whose instance died mid-attempt is tried again by anyone
    /// once this has passed. An attempt is cut off before its lease ends, so that no delivery is ever attempted by two
    /// instances at once: it is given the cluster's <c>HttpRequest:ActivityTimeout</c> (YARP's default, 100 seconds),
    /// but at most this lease minus a margin of a quarter of it (at most 10 seconds) to record the result. With the
    /// default, an upstream has 50 seconds to answer. The default is 1 minute.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest a route's workers wait before they look at the store again when nothing woke them: what bounds how
    /// late they see deliveries another replica accepted (acceptances of this instance, finished attempts, due retries
    /// and the <c>deliveries replay</c>, <c>pause</c> and <c>resume</c> commands wake them at once). The queue's
    /// metrics are refreshed as often, but at least every 10 seconds. At most 1 hour; the default is 30 seconds.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most acceptances that may wait for their commit at once (queued for the writer, or in the batch being
    /// written). Beyond it a queued route answers <c>503</c> with <c>Retry-After</c> at once and <c>/readyz</c> reports
    /// unhealthy, so that a database that hangs holds a bounded amount of memory. The default is 1,024.
    /// </summary>
    public int MaxPendingAcceptances { get; init; } = 1024;

    /// <summary>
    /// The longest a sender waits for its delivery's commit: after it the answer is <c>503</c> with <c>Retry-After</c>
    /// (a delivery not yet written is then not written; one whose commit was under way may still be stored, and the
    /// sender's retry is a repeat). At most 5 minutes; the default is 10 seconds.
    /// </summary>
    public TimeSpan AcceptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long dead-lettered deliveries are kept for inspection and replay before they are purged. The default is 14 days.</summary>
    public TimeSpan DeadRetention { get; init; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Keys that encrypt bodies at rest (AES-256-GCM), each the base64 of 32 random bytes (<c>openssl rand -base64 32</c>).
    /// The first encrypts; every one decrypts, so a key is rotated by putting the new one first and keeping the old one
    /// until no delivery written with it is left. Empty (the default): bodies are stored in the clear.
    /// </summary>
    public IReadOnlyList<string> EncryptionKeys { get; init; } = [];

    /// <summary>When a failed attempt is tried again, when a route that is down is probed, and when a delivery is given up.</summary>
    public DeliveryRetryOptions Retry { get; init; } = new();
}
