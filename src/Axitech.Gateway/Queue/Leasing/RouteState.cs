namespace Axitech.Gateway.Queue;

/// <summary>How a queued route's workers deliver, as one replica sees it (<see cref="RouteStates"/> has the names).</summary>
internal enum RouteState
{
    /// <summary>Attempts as many due deliveries as its concurrency and pace allow.</summary>
    Delivering,

    /// <summary>Every attempt failed with a retryable result: one delivery (the oldest due) is tried per backoff step.</summary>
    BackingOff,

    /// <summary>An operator paused it (<c>deliveries pause</c>): it accepts, and attempts nothing.</summary>
    Paused,
}
