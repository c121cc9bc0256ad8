namespace Axitech.Gateway.Queue;

/// <summary>The names of <see cref="RouteState"/> shown by <c>deliveries routes</c> and the gauge: <c>delivering</c>, <c>backing_off</c>, <c>paused</c>.</summary>
internal static class RouteStates
{
    public const string Delivering = "delivering";
    public const string BackingOff = "backing_off";
    public const string Paused = "paused";

    public static IReadOnlyList<RouteState> All { get; } = [RouteState.Delivering, RouteState.BackingOff, RouteState.Paused];

    public static string ToName(this RouteState state) => state switch
    {
        RouteState.Delivering => Delivering,
        RouteState.BackingOff => BackingOff,
        RouteState.Paused => Paused,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
