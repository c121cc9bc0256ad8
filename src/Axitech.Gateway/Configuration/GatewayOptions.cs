namespace Axitech.Gateway.Configuration;

/// <summary>Gateway-wide settings, <c>Gateway</c>. They are read at start-up; a change applies at the next restart.</summary>
public sealed record GatewayOptions
{
    /// <summary>
    /// How long in-flight deliveries may take to finish after SIGTERM before the process exits. New connections are
    /// refused meanwhile. The default is 30 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Addresses or CIDR networks of proxies (ingress, load balancer) whose <c>X-Forwarded-For</c> is believed when
    /// identifying a client (failure throttling), and whose connections are exempt from
    /// <see cref="ConnectionsPerClient"/>. Empty (the default): the TCP peer address is the client.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>
    /// How many connections one client address may hold open on the webhook listeners at once; a further connection is
    /// closed at once. Trusted proxies are exempt. The default is 100.
    /// </summary>
    public int ConnectionsPerClient { get; init; } = 100;

    /// <summary>What bodies awaiting verification may cost: a whole-body deadline and byte budgets per client and overall.</summary>
    public LimitsOptions Limits { get; init; } = new();

    /// <summary>Throttling of clients that keep failing verification.</summary>
    public FailureThrottlingOptions FailureThrottling { get; init; } = new();

    /// <summary>The self-probe of the webhook listeners that <c>/healthz</c> reports.</summary>
    public ListenerProbeOptions ListenerProbe { get; init; } = new();

    /// <summary>The delivery console on the Management listener; off unless it names a user.</summary>
    public DeliveryConsole.ConsoleOptions Console { get; init; } = new();
}
