namespace Axitech.Gateway.Testing;

/// <summary>The checkout the tests were built from: the folder holding <c>Axitech.Gateway.sln</c>.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> _path = new(Find);

    public static string Path => _path.Value;

    /// <summary>A path below the repository root, given with forward slashes (<c>config/prometheus/alerts.yml</c>).</summary>
    public static string File(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Axitech.Gateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Axitech.Gateway.sln.");
    }
}
