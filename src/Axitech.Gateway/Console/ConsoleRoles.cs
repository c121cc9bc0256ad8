namespace Axitech.Gateway.DeliveryConsole;

/// <summary>The console's roles, as configured and as carried in the sign-in cookie.</summary>
public static class ConsoleRoles
{
    /// <summary>Sees every page; every action is refused (403).</summary>
    public const string Viewer = "Viewer";

    /// <summary>Sees every page and may act (replay).</summary>
    public const string Operator = "Operator";
}
