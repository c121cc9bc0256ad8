namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>Plain YARP and the gateway, run one after the other with the same table and settings.</summary>
internal sealed record RoundPair(Measurement Baseline, Measurement Gateway)
{
    public double ThroughputRatio => Gateway.Wrk.RequestsPerSecond / Baseline.Wrk.RequestsPerSecond;

    public double AddedP99Milliseconds => (Gateway.Wrk.P99Microseconds - Baseline.Wrk.P99Microseconds) / 1000.0;

    public bool IsValid => Baseline.Problem is null && Gateway.Problem is null;
}
