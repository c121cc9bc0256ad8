namespace Axitech.Gateway;

/// <summary>How a gateway host is built: the defaults for a real run, and the seams the functional tests use.</summary>
public sealed record GatewayHostSettings
{
    /// <summary>The environment variable that names the folder holding appsettings.json.</summary>
    public const string ConfigDirectoryVariable = "AXGW_CONFIG_DIR";

    /// <summary>Command-line arguments (configuration overrides such as <c>--Webhooks:Policies:x:Tolerance=00:01:00</c>).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// The folder holding <c>appsettings.json</c> and <c>appsettings.{Environment}.json</c>. The default is
    /// <c>$AXGW_CONFIG_DIR</c>, else <c>config/</c> beside the executable (<c>/app/config</c> in the container).
    /// </summary>
    public string? ConfigDirectory { get; init; }

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

    internal string ResolveConfigDirectory()
        => ConfigDirectory
            ?? (Environment.GetEnvironmentVariable(ConfigDirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null)
            ?? Path.Combine(AppContext.BaseDirectory, "config");
}
