namespace Axitech.Gateway.Listeners;

/// <summary>Marks an endpoint that is served on the Management listener only.</summary>
internal sealed class ManagementEndpointMetadata
{
    public static readonly ManagementEndpointMetadata Instance = new();

    /// <summary>The Management listener's paths, whatever the method.</summary>
    public static readonly HashSet<string> Paths = new(
        [Health.HealthServiceCollectionExtensions.LivenessPath, Health.HealthServiceCollectionExtensions.ReadinessPath, Telemetry.TelemetryServiceCollectionExtensions.MetricsPath],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether a request path names a Management path as routing matches it: in any case, with or without trailing slashes.</summary>
    public static bool IsManagementPath(string? path)
        => !string.IsNullOrEmpty(path) && Paths.GetAlternateLookup<ReadOnlySpan<char>>().Contains(path.AsSpan().TrimEnd('/'));
}
