namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// One request of a queued delivery as the upstream saw it: which delivery and attempt, when it began and ended (a
/// monotonic clock of the test, and the wall clock the gateways' leases are written in), what it answered.
/// </summary>
public sealed record UpstreamAttempt(Guid DeliveryId, int Attempt, TimeSpan Started, TimeSpan Ended, DateTimeOffset StartedAt, int Status, ReceivedRequest Request);
