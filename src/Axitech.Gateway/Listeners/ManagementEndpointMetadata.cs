namespace Axitech.Gateway.Listeners;

/// <summary>Marks an endpoint that is served on the Management listener only.</summary>
internal sealed class ManagementEndpointMetadata
{
    public static readonly ManagementEndpointMetadata Instance = new();
}
