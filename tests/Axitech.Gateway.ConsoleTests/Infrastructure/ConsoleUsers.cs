namespace Axitech.Gateway.ConsoleTests.Infrastructure;

/// <summary>
/// The console users the tests sign in as. Their hashes are made once per run at bcrypt's lowest cost (4), so that a
/// sign-in costs milliseconds; the Viewer's is written with htpasswd's <c>$2y$</c> prefix, as operators will paste it.
/// </summary>
internal static class ConsoleUsers
{
    public const string Operator = "olivia";
    public const string OperatorPassword = "correct horse battery staple";
    public const string Viewer = "victor";
    public const string ViewerPassword = "viewer's own passphrase";

    private static readonly Lazy<string> _operatorHash = new(() => BCrypt.Net.BCrypt.HashPassword(OperatorPassword, 4));
    private static readonly Lazy<string> _viewerHash = new(() => "$2y$" + BCrypt.Net.BCrypt.HashPassword(ViewerPassword, 4)[4..]);

    /// <summary>Adds the Operator and the Viewer to a test gateway's configuration.</summary>
    public static void Add(Dictionary<string, string?> configuration)
    {
        configuration[$"Gateway:Console:Users:{Operator}:PasswordHash"] = _operatorHash.Value;
        configuration[$"Gateway:Console:Users:{Operator}:Role"] = "Operator";

        // No role: Viewer is the default.
        configuration[$"Gateway:Console:Users:{Viewer}:PasswordHash"] = _viewerHash.Value;
    }
}
