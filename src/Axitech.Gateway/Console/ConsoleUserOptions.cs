namespace Axitech.Gateway.DeliveryConsole;

/// <summary><c>Gateway:Console:Users:{name}</c>: one user of the console.</summary>
public sealed record ConsoleUserOptions
{
    /// <summary>
    /// The password's bcrypt hash, <c>$2y$…</c> or <c>$2b$…</c>, as <c>htpasswd -nbB name password</c> prints it after
    /// <c>name:</c>, or as <c>Axitech.Gateway hash-password</c> prints it. Required.
    /// </summary>
    public string? PasswordHash { get; init; }

    /// <summary><c>Viewer</c> (sees everything, changes nothing) or <c>Operator</c> (also replays). The default is <c>Viewer</c>.</summary>
    public string Role { get; init; } = ConsoleRoles.Viewer;
}
