using System.Diagnostics;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>A W3C <c>traceparent</c> header (version 00): the trace, the parent span, the sampled flag.</summary>
public sealed record Traceparent(ActivityTraceId TraceId, ActivitySpanId ParentId, bool Sampled)
{
    /// <summary>A sender's: a new trace, a random parent span, sampled.</summary>
    public static Traceparent New() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), Sampled: true);

    /// <summary>Parses a header the test received; fails the test if it is missing or not a version 00 traceparent.</summary>
    public static Traceparent Parse(string? header)
    {
        Assert.NotNull(header);
        var parts = header.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal("00", parts[0]);
        return new Traceparent(ActivityTraceId.CreateFromString(parts[1]), ActivitySpanId.CreateFromString(parts[2]), parts[3] == "01");
    }

    public override string ToString() => $"00-{TraceId.ToHexString()}-{ParentId.ToHexString()}-{(Sampled ? "01" : "00")}";
}
