namespace Axitech.Gateway.Queue;

/// <summary>The answer to <see cref="IDeliveryStore.AcceptAsync"/>.</summary>
/// <param name="Outcome">Accepted, duplicate or unavailable.</param>
/// <param name="Id">
/// The new delivery's id when accepted, the original's when a duplicate, <see cref="Guid.Empty"/> when unavailable or full.
/// Its string form (<c>D</c>) is the <c>X-Axitech-Delivery-Id</c> header's value.
/// </param>
internal readonly record struct AcceptResult(AcceptOutcome Outcome, Guid Id)
{
    public static AcceptResult Unavailable { get; } = new(AcceptOutcome.Unavailable, Guid.Empty);

    public static AcceptResult Full { get; } = new(AcceptOutcome.Full, Guid.Empty);

    public static AcceptResult Accepted(Guid id) => new(AcceptOutcome.Accepted, id);

    public static AcceptResult Duplicate(Guid originalId) => new(AcceptOutcome.Duplicate, originalId);
}
