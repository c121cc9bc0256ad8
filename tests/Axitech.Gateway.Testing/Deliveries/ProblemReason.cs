using System.Text.Json;

namespace Axitech.Gateway.Testing.Deliveries;

/// <summary>The <c>reason</c> of the gateway's own refusals (<c>application/problem+json</c>).</summary>
public static class ProblemReason
{
    /// <summary>The reason of a problem+json body, else null.</summary>
    public static string? Of(string? contentType, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length == 0 || contentType is null || !contentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }
}
