namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// <c>Gateway:Console</c>: the delivery console at <c>/console/</c> on the Management listener. It is served only when
/// <see cref="Users"/> names at least one user; otherwise <c>/console/</c> answers 404 on every listener.
/// </summary>
public sealed record ConsoleOptions
{
    /// <summary>The users who may sign in, by name (<c>Gateway:Console:Users:{name}</c>). The default is none: no console.</summary>
    public IReadOnlyDictionary<string, ConsoleUserOptions> Users { get; init; } = new Dictionary<string, ConsoleUserOptions>();

    /// <summary>How long a sign-in lasts without a request; each request extends it. The default is 8 hours.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromHours(8);
}
