namespace Axitech.Gateway.Testing.Soak;

/// <summary>How long and how hard <see cref="HardeningSoak"/> runs.</summary>
public sealed record SoakOptions
{
    /// <summary>The sending time. The default is 3 minutes (the benchmark); the functional test's smoke runs 15 seconds.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Requests per second, all senders together. The default is 200.</summary>
    public int RatePerSecond { get; init; } = 200;

    /// <summary>Concurrent senders. The default is 8.</summary>
    public int Senders { get; init; } = 8;

    /// <summary>How often the gateway's memory is sampled. The default is 5 seconds.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);
}
