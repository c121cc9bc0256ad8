namespace Axitech.Gateway.Queue;

/// <summary>The stored names of <see cref="DeliveryState"/>: <c>pending</c>, <c>delivered</c>, <c>dead</c>.</summary>
internal static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";

    public static string ToName(this DeliveryState state) => state switch
    {
        DeliveryState.Pending => Pending,
        DeliveryState.Delivered => Delivered,
        DeliveryState.Dead => Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? name, out DeliveryState state)
    {
        (var known, state) = name switch
        {
            Pending => (true, DeliveryState.Pending),
            Delivered => (true, DeliveryState.Delivered),
            Dead => (true, DeliveryState.Dead),
            _ => (false, default),
        };
        return known;
    }

    public static DeliveryState Parse(string name)
        => TryParse(name, out var state) ? state : throw new FormatException($"'{name}' is not a delivery state.");
}
