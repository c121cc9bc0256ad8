using System.Reflection;

namespace Axitech.Gateway;

/// <summary>How a gateway host is built: the defaults for a real run, and the seams the functional tests use.</summary>
public sealed record GatewayHostSettings
{
    /// <summary>The environment variable that names the folder holding appsettings.json.</summary>
    public const string ConfigDirectoryVariable = "AXGW_CONFIG_DIR";

    /// <summary>The environment variable that names the secrets folder, read with one file per key.</summary>
    public const string SecretsDirectoryVariable = "AXGW_SECRETS_DIR";

    /// <summary>Command-line arguments (configuration overrides such as <c>--Webhooks:Policies:x:Tolerance=00:01:00</c>).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// The assembly metadata naming the repository's <c>config/</c> folder, set by a build in a clone and left out by
    /// <c>dotnet publish</c> (see Axitech.Gateway.csproj).
    /// </summary>
    internal const string SourceConfigDirectoryMetadataKey = "Axitech.Gateway.SourceConfigDirectory";

    /// <summary>
    /// The folder holding <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c>. The default is
    /// <c>$AXGW_CONFIG_DIR</c>; else, in the Development environment of a gateway built in a clone (<c>dotnet run
    /// --project src/Axitech.Gateway</c>), the repository's <c>config/</c>; else <c>config/</c> beside the executable
    /// (<c>/app/config</c> in the container).
    /// </summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>
    /// A folder of one file per key (a Kubernetes Secret mounted as a directory): a file's name is its key, <c>__</c> for
    /// <c>:</c> (<c>Webhooks__Policies__claims__Secrets__0</c>), its content the value. Read after the config folder and
    /// before environment variables, and polled for changes when config files are watched. The default is
    /// <c>$AXGW_SECRETS_DIR</c>; none when that is unset.
    /// </summary>
    public string? SecretsDirectory { get; init; }

    /// <summary>The environment name; the default comes from ASPNETCORE_ENVIRONMENT / DOTNET_ENVIRONMENT.</summary>
    public string? EnvironmentName { get; init; }

    /// <summary>Highest-priority configuration values (tests).</summary>
    public IReadOnlyDictionary<string, string?>? Overrides { get; init; }

    /// <summary>Last word on the services (tests: a fake clock, an in-memory exporter).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Whether environment variables are read. The default is true.</summary>
    public bool ReadEnvironment { get; init; } = true;

    /// <summary>
    /// Whether <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c> are watched and reloaded on change.
    /// The default is true. Each watching host holds an inotify instance, a per-user limit on Linux (128 by default):
    /// tests that do not test hot reload turn it off.
    /// </summary>
    public bool WatchConfigFiles { get; init; } = true;

    internal string? ResolveSecretsDirectory()
        => SecretsDirectory
            ?? (Environment.GetEnvironmentVariable(SecretsDirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);

    internal string ResolveConfigDirectory(string environmentName)
        => ConfigDirectory
            ?? (Environment.GetEnvironmentVariable(ConfigDirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null)
            ?? SourceConfigDirectory(environmentName)
            ?? Path.Combine(AppContext.BaseDirectory, "config");

    /// <summary>
    /// The repository's <c>config/</c> folder for a gateway run from a build in a clone in the Development environment
    /// (what <c>dotnet run</c>'s launch profile sets): the build's copy under <c>bin/</c> is not the folder a developer
    /// edits, so edits would not reload. Null when the build named no folder (a published gateway), in any other
    /// environment, or when the folder is not there (a build moved to another machine).
    /// </summary>
    private static string? SourceConfigDirectory(string environmentName)
        => string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase)
            && typeof(GatewayHostSettings).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == SourceConfigDirectoryMetadataKey)?.Value is { Length: > 0 } directory
            && Directory.Exists(directory)
                ? directory
                : null;
}
