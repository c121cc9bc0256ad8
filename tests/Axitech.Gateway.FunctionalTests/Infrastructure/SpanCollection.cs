using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// The spans OpenTelemetry's in-memory exporter exported, safe to read while requests are still ending (the exporter
/// adds from the server's threads). Every gateway in the process sees every span of the sources it listens to, so
/// read by trace id.
/// </summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_spans)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    /// <summary>Adds the in-memory exporter, writing here, to the gateway's tracing.</summary>
    public void AddTo(IServiceCollection services) => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(this));

    /// <summary>The spans of <paramref name="traceId"/> once <paramref name="complete"/> says they are all there (at most 10 seconds).</summary>
    public Task<IReadOnlyList<Activity>> WaitForTraceAsync(ActivityTraceId traceId, Func<IReadOnlyList<Activity>, bool> complete)
        => Eventually.UntilAsync(
            () => Task.FromResult<IReadOnlyList<Activity>>([.. Snapshot().Where(s => s.TraceId == traceId)]),
            complete,
            TimeSpan.FromSeconds(10),
            trace => $"Trace {traceId} was not complete within 10 seconds: {string.Join(", ", trace.Select(s => $"{s.Source.Name}/{s.OperationName}"))}.");

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    public void Add(Activity item)
    {
        lock (_spans)
        {
            _spans.Add(item);
        }
    }

    public void Clear()
    {
        lock (_spans)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_spans)
        {
            return _spans.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_spans)
        {
            _spans.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_spans)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
