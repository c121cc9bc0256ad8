using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Which types a host allocates, sampled by the runtime's <c>GCAllocationTick</c> event (one event about every
/// 100 KB allocated, naming the type that crossed the mark): enough to see where bytes per request come from,
/// without a profiler. Opt-in (<c>load --allocations</c>), since listening costs a little.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);

    public void Reset() => _bytesByType.Clear();

    /// <summary>The top types as one line: <c>bytes|type</c> entries separated by tabs.</summary>
    public string Top(int count)
        => string.Join('\t', _bytesByType
            .OrderByDescending(pair => pair.Value)
            .Take(count)
            .Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Value}|{pair.Key}")));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null || eventData.Payload is null)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (amountIndex < 0)
        {
            amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount");
        }

        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }

        var type = eventData.Payload[typeIndex] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }
}
