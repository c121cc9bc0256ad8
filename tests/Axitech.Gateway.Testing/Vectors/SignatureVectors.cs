using System.Text.Json;

namespace Axitech.Gateway.Testing.Vectors;

/// <summary>
/// The vendor's signature vectors (<c>tests/vectors/axitech-signatures.json</c>, computed with Node.js crypto the
/// way the vendor's receiver example computes them), copied beside every assembly that references this project.
/// </summary>
public static class SignatureVectors
{
    private static readonly Lazy<IReadOnlyList<SignatureVector>> _all = new(Load);

    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "vectors", "axitech-signatures.json");

    public static IReadOnlyList<SignatureVector> All => _all.Value;

    public static TheoryData<string> ValidNames => Names(valid: true);

    public static TheoryData<string> InvalidNames => Names(valid: false);

    public static SignatureVector Named(string name) => All.Single(v => v.Name == name);

    private static TheoryData<string> Names(bool valid) => new(All.Where(v => v.Valid == valid).Select(v => v.Name));

    private static IReadOnlyList<SignatureVector> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        return document.RootElement.GetProperty("vectors").Deserialize<List<SignatureVector>>()
            ?? throw new InvalidDataException($"{FilePath} has no vectors.");
    }
}
