namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>The gateway's state at the end of one slice of the soak.</summary>
internal sealed record SoakSample(TimeSpan Elapsed, Measurement Measurement);
