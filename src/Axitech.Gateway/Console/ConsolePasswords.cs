using System.Text.RegularExpressions;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>bcrypt hashes as htpasswd, Prometheus and Traefik write them (<c>$2y$</c>, <c>$2b$</c>, <c>$2a$</c>).</summary>
internal static partial class ConsolePasswords
{
    /// <summary>The cost <c>hash-password</c> uses: about a quarter of a second on a server core, once per sign-in.</summary>
    public const int WorkFactor = 12;

    /// <summary>Below this cost a hash is accepted with a warning (<c>htpasswd -B</c> uses 5 unless given <c>-C</c>).</summary>
    public const int RecommendedMinimumCost = 10;

    /// <summary>Verified in place of an unknown user's hash, so that a wrong name costs as long as a wrong password.</summary>
    private static readonly string _standIn = BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString(), WorkFactor);

    public static string Hash(string password) => BCrypt.Net.BCrypt.HashPassword(password, WorkFactor);

    /// <summary>The cost of a well-formed bcrypt hash, or null when <paramref name="hash"/> is not one.</summary>
    public static int? Cost(string? hash)
    {
        var match = hash is null ? null : HashFormat().Match(hash);
        return match is { Success: true } ? int.Parse(match.Groups["cost"].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="hash"/>; null hash (unknown user): false, after the same work.</summary>
    public static bool Verify(string password, string? hash)
    {
        if (hash is null)
        {
            _ = BCrypt.Net.BCrypt.Verify(password, _standIn);
            return false;
        }

        return BCrypt.Net.BCrypt.Verify(password, hash);
    }

    [GeneratedRegex(@"^\$2[abxy]\$(?<cost>0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)]
    private static partial Regex HashFormat();
}
