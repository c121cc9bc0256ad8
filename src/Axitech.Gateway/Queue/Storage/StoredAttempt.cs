namespace Axitech.Gateway.Queue;

/// <summary>One recorded attempt of a delivery (<see cref="AttemptRecord"/>) with its number (counted since the delivery's last replay).</summary>
internal sealed record StoredAttempt(int Attempt, AttemptRecord Record);
