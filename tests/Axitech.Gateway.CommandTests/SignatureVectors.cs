using System.Text.Json;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// The vendor vectors, found by walking up from the test directory to a folder that has
/// <c>shared/vectors/axitech-signatures.json</c> (the repository's sibling <c>shared/</c>: <c>../shared</c> from its root).
/// </summary>
public static class SignatureVectors
{
    private const string RelativePath = "shared/vectors/axitech-signatures.json";

    private static readonly Lazy<IReadOnlyList<SignatureVector>> _all = new(Load);

    public static IReadOnlyList<SignatureVector> All => _all.Value;

    public static TheoryData<string> ValidNames => Names(valid: true);

    public static TheoryData<string> InvalidNames => Names(valid: false);

    public static SignatureVector Named(string name) => All.Single(v => v.Name == name);

    private static TheoryData<string> Names(bool valid)
    {
        var data = new TheoryData<string>();
        foreach (var vector in All.Where(v => v.Valid == valid))
        {
            data.Add(vector.Name);
        }

        return data;
    }

    private static IReadOnlyList<SignatureVector> Load()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                using var document = JsonDocument.Parse(File.ReadAllBytes(candidate));
                return document.RootElement.GetProperty("vectors").Deserialize<List<SignatureVector>>()
                    ?? throw new InvalidDataException($"{candidate} has no vectors.");
            }
        }

        throw new FileNotFoundException($"No {RelativePath} above {AppContext.BaseDirectory}: the shared/ folder must sit beside the repository.");
    }
}
