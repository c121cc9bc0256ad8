namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>A new folder under the temporary path, deleted with what it holds when disposed (declare it before what writes into it).</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
