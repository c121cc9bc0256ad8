namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The soak: the gateway's state when the measured run started, a sample per slice, and its heap after a full
/// collection once the load had stopped (with the store's entries then).
/// </summary>
internal sealed record SoakResult(HostStats Start, IReadOnlyList<SoakSample> Samples, (long HeapBytes, long StoreEntries) LiveHeapAtEnd, LoadOptions Options)
{
    public double FinalGrowth => ((double)Samples[^1].Measurement.After.WorkingSetBytes / Start.WorkingSetBytes) - 1;

    public double PeakGrowth => ((double)Samples.Max(s => s.Measurement.After.WorkingSetBytes) / Start.WorkingSetBytes) - 1;
}
