using System.Text.Json.Serialization;

namespace Axitech.Gateway.CommandTests;

/// <summary>One entry of <c>shared/vectors/axitech-signatures.json</c>.</summary>
public sealed record SignatureVector
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("secret")]
    public required string Secret { get; init; }

    [JsonPropertyName("method")]
    public required string Method { get; init; }

    [JsonPropertyName("url")]
    public required string Url { get; init; }

    [JsonPropertyName("timestamp")]
    public required string Timestamp { get; init; }

    [JsonPropertyName("body_base64")]
    public required string BodyBase64 { get; init; }

    [JsonPropertyName("signature")]
    public required string Signature { get; init; }

    [JsonPropertyName("valid")]
    public required bool Valid { get; init; }

    public byte[] Body => Convert.FromBase64String(BodyBase64);
}
