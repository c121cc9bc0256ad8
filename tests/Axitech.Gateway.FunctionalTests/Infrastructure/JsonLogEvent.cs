using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>Reads the console's JSON log events (<c>Logging:Console:FormatterName=json</c>).</summary>
public static class JsonLogEvent
{
    /// <summary>The value named <paramref name="name"/> in the event's scopes (the request's <c>TraceId</c>, <c>SpanId</c>, …), or null.</summary>
    public static string? Scope(JsonElement entry, string name)
        => entry.GetProperty("Scopes").EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out _))
            .Select(s => s.GetProperty(name).GetString())
            .SingleOrDefault();
}
