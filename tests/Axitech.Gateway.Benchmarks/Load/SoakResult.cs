namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>The soak: the gateway's state when the measured run started, and a sample per slice.</summary>
internal sealed record SoakResult(HostStats Start, IReadOnlyList<SoakSample> Samples, LoadOptions Options)
{
    public double FinalGrowth => ((double)Samples[^1].Measurement.After.WorkingSetBytes / Start.WorkingSetBytes) - 1;

    public double PeakGrowth => ((double)Samples.Max(s => s.Measurement.After.WorkingSetBytes) / Start.WorkingSetBytes) - 1;
}
