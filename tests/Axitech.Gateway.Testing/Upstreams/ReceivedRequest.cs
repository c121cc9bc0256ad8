namespace Axitech.Gateway.Testing.Upstreams;

/// <summary>What the upstream really received.</summary>
public sealed record ReceivedRequest(
    string Method,
    string RawTarget,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
