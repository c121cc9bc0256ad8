using System.Text.Json.Serialization;

namespace Axitech.Gateway.Testing.Vectors;

/// <summary>One entry of <c>tests/vectors/axitech-signatures.json</c>: exact inputs, the signature, and whether it is valid for them.</summary>
public sealed record SignatureVector(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("body_base64")] string BodyBase64,
    [property: JsonPropertyName("signature")] string Signature,
    [property: JsonPropertyName("valid")] bool Valid)
{
    public byte[] Body => Convert.FromBase64String(BodyBase64);
}
