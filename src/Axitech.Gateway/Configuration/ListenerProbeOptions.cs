namespace Axitech.Gateway.Configuration;

/// <summary>
/// <c>Gateway:ListenerProbe</c>: the gateway sends itself a request on each webhook listener every
/// <see cref="Interval"/>; when no probe has been answered for <see cref="UnhealthyAfter"/>, <c>/healthz</c> fails, so
/// that an orchestrator restarts a process whose webhook listener cannot serve.
/// </summary>
public sealed record ListenerProbeOptions
{
    /// <summary>Time between probes, and each probe's timeout. The default is 5 seconds.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long without an answered probe makes <c>/healthz</c> fail. The default is 30 seconds.</summary>
    public TimeSpan UnhealthyAfter { get; init; } = TimeSpan.FromSeconds(30);
}
