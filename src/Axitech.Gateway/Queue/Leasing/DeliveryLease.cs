namespace Axitech.Gateway.Queue;

/// <summary>
/// The right to settle one attempt: the delivery, the owner that leased it, and which attempt it is. A settle acts only
/// while all three still match the row, so a worker whose lease expired and was taken over cannot overwrite the newer
/// attempt (not even one of its own owner's).
/// </summary>
internal readonly record struct DeliveryLease(Guid Id, string Owner, int Attempt);
