using System.Text.Json.Serialization;

namespace ClaimsReceiver;

/// <summary>The session a <c>session.submitted</c> event is about.</summary>
public sealed record SessionData([property: JsonPropertyName("sessionId")] string? SessionId);
