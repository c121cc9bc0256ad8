using System.Text.Json.Serialization;

namespace ClaimsReceiver;

/// <summary>The part of Axitech's <c>session.submitted</c> event this sample reads.</summary>
public sealed record SessionSubmitted(
    [property: JsonPropertyName("event_type")] string? EventType,
    [property: JsonPropertyName("data")] SessionData? Data);
