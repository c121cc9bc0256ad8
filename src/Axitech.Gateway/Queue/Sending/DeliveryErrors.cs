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

    /// <summary>The connection could not be made or broke before the answer (other than refused).</summary>
    public const string ConnectionFailed = "connection_failed";

    /// <summary>The upstream's host name did not resolve.</summary>
    public const string NameResolutionFailed = "name_resolution_failed";

    /// <summary>The TLS handshake with the upstream failed.</summary>
    public const string TlsFailed = "tls_failed";

    /// <summary>The upstream's answer was not valid HTTP, or ended early.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>The request could not be sent for another reason.</summary>
    public const string SendFailed = "send_failed";

    /// <summary>The route's cluster has no destination to send to.</summary>
    public const string NoDestination = "no_destination";

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
