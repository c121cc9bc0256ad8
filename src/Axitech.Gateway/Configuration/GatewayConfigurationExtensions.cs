namespace Axitech.Gateway.Configuration;

internal static class GatewayConfigurationExtensions
{
    /// <summary>
    /// The configuration sources, lowest priority first: the embedded defaults, <c>appsettings.json</c> and
    /// <c>appsettings.{Environment}.json</c> from the config folder (reloaded on change), environment variables (the
    /// standard <c>__</c> mapping), the command line, and test overrides.
    /// </summary>
    public static void AddGatewayConfiguration(this ConfigurationManager configuration, GatewayHostSettings settings, string environmentName)
    {
        var directory = settings.ResolveConfigDirectory(environmentName);
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(GatewayDefaults.Values);
        configuration.AddJsonFile(Path.Combine(directory, "appsettings.json"), optional: true, reloadOnChange: true);
        configuration.AddJsonFile(Path.Combine(directory, $"appsettings.{environmentName}.json"), optional: true, reloadOnChange: true);
        if (settings.ReadEnvironment)
        {
            configuration.AddEnvironmentVariables();
        }

        configuration.AddCommandLine([.. settings.Args]);
        if (settings.Overrides is not null)
        {
            configuration.AddInMemoryCollection(settings.Overrides);
        }
    }
}
