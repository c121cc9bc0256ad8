namespace Axitech.Gateway.Configuration;

/// <summary>Gateway-wide settings, <c>Gateway</c>.</summary>
public sealed record GatewayOptions
{
    /// <summary>
    /// How long in-flight deliveries may take to finish after SIGTERM before the process exits. New connections are
    /// refused meanwhile. The default is 30 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Addresses of proxies (ingress, load balancer) whose <c>X-Forwarded-For</c> is believed when identifying a
    /// client for failure throttling. Empty (the default): the TCP peer address is the client.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>Throttling of clients that keep failing verification.</summary>
    public FailureThrottlingOptions FailureThrottling { get; init; } = new();
}
