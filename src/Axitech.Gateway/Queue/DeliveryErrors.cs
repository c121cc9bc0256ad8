using System.Globalization;

namespace Axitech.Gateway.Queue;

/// <summary>
/// The short codes stored as a delivery's last error or dead-letter reason. A code is lower-case letters, digits and
/// underscores, at most 64 characters, so that no body, header or exception message can end up in the store.
/// </summary>
internal static class DeliveryErrors
{
    public const int MaxLength = 64;
    public const string ConnectionRefused = "connection_refused";
    public const string Timeout = "timeout";
    public const string MaxAttempts = "max_attempts";
    public const string MaxAge = "max_age";
    public const string BodyUnreadable = "body_unreadable";

    /// <summary><c>status_503</c> and the like.</summary>
    public static string Status(int statusCode) => $"status_{statusCode.ToString(CultureInfo.InvariantCulture)}";

    public static bool IsValid(string? code)
        => code is { Length: > 0 and <= MaxLength } && code.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    public static void ThrowIfInvalid(string? code, string parameterName)
    {
        if (!IsValid(code))
        {
            throw new ArgumentException("An error code is lower-case letters, digits and '_' (at most 64), such as connection_refused or status_503.", parameterName);
        }
    }
}
