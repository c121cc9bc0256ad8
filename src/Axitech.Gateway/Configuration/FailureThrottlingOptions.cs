namespace Axitech.Gateway.Configuration;

/// <summary>
/// <c>Gateway:FailureThrottling</c>: a client (remote address) that fails verification more than
/// <see cref="PermitLimit"/> times within <see cref="Window"/> is answered 429 until the window ends. Only failures
/// count, so authentic traffic is never throttled by other clients' failures.
/// </summary>
public sealed record FailureThrottlingOptions
{
    /// <summary>Whether throttling is on. The default is true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Failures allowed per client and window. The default is 20.</summary>
    public int PermitLimit { get; init; } = 20;

    /// <summary>The window. The default is 1 minute.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);
}
