namespace Axitech.Gateway.FunctionalTests.Infrastructure;

public static class RepositoryPaths
{
    /// <summary>The repository root: the folder above the test assembly that holds Axitech.Gateway.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Config(params string[] parts) => Path.Combine([Root, "config", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Axitech.Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with Axitech.Gateway.sln) was not found above " + AppContext.BaseDirectory);
    }
}
