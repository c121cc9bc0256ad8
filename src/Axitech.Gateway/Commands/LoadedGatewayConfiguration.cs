namespace Axitech.Gateway.Commands;

/// <summary>The configuration a gateway would run with, and where it came from.</summary>
internal sealed class LoadedGatewayConfiguration : IDisposable
{
    private readonly ConfigurationManager _configuration;

    public LoadedGatewayConfiguration(ConfigurationManager configuration, string directory, string environmentName)
    {
        _configuration = configuration;
        Directory = directory;
        EnvironmentName = environmentName;
    }

    public IConfiguration Configuration => _configuration;

    /// <summary>The config folder that was read.</summary>
    public string Directory { get; }

    public string EnvironmentName { get; }

    /// <summary>The secrets folder read with one file per key, if any.</summary>
    public string? SecretsDirectory { get; init; }

    /// <summary>The environment file given with <c>--env-file</c>, if any.</summary>
    public string? EnvironmentFile { get; init; }

    /// <summary>The appsettings files the gateway reads from <see cref="Directory"/>, and whether each exists.</summary>
    public IEnumerable<(string Name, bool Exists)> Files
        => new[] { "appsettings.json", $"appsettings.{EnvironmentName}.json" }
            .Select(name => (name, File.Exists(Path.Combine(Directory, name))));

    public void Dispose() => _configuration.Dispose();
}
