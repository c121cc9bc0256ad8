using System.Text.Json;
using System.Text.Json.Serialization;

namespace Axitech.Webhooks.Tests;

/// <summary>
/// The signature vectors computed with the vendor's own algorithm (Node.js), from <c>shared/vectors</c> beside the
/// repository.
/// </summary>
public static class VendorVectors
{
    private static readonly Lazy<IReadOnlyList<Vector>> _all = new(Load);

    public static IReadOnlyList<Vector> All => _all.Value;

    public static TheoryData<string> ValidNames() => Names(v => v.Valid);

    public static TheoryData<string> InvalidNames() => Names(v => !v.Valid);

    public static Vector Get(string name) => All.Single(v => v.Name == name);

    /// <summary>Finds <c>shared/vectors/axitech-signatures.json</c> in this folder or any folder above it.</summary>
    public static string FindFile()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "vectors", "axitech-signatures.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("shared/vectors/axitech-signatures.json was not found beside the repository or above it.");
    }

    private static TheoryData<string> Names(Func<Vector, bool> predicate)
    {
        var data = new TheoryData<string>();
        foreach (var vector in All.Where(predicate))
        {
            data.Add(vector.Name);
        }

        return data;
    }

    private static IReadOnlyList<Vector> Load()
    {
        using var stream = File.OpenRead(FindFile());
        var file = JsonSerializer.Deserialize<VectorFile>(stream)!;
        return file.Vectors;
    }

    public sealed record VectorFile([property: JsonPropertyName("vectors")] IReadOnlyList<Vector> Vectors);

    public sealed record Vector(
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
}
