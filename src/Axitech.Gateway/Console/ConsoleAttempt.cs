namespace Axitech.Gateway.DeliveryConsole;

/// <summary>One attempt as a delivery's page lists it: when, where to, what came back (status or error code), how long.</summary>
public sealed record ConsoleAttempt(int Attempt, DateTimeOffset AttemptedAt, string? Destination, int? StatusCode, string? Error, TimeSpan Duration);
