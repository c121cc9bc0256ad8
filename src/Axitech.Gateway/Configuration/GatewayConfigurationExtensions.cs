using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Axitech.Gateway.Configuration;

internal static class GatewayConfigurationExtensions
{
    /// <summary>
    /// The configuration sources, lowest priority first: the embedded defaults, <c>appsettings.json</c> and
    /// <c>appsettings.{Environment}.json</c> from the config folder (reloaded on change unless
    /// <see cref="GatewayHostSettings.WatchConfigFiles"/> is off), environment variables (the standard <c>__</c>
    /// mapping), the command line, and test overrides.
    /// </summary>
    public static void AddGatewayConfiguration(this ConfigurationManager configuration, GatewayHostSettings settings, string environmentName)
    {
        var directory = settings.ResolveConfigDirectory(environmentName);
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(GatewayDefaults.Values);

        // Both files through one file provider, so one watcher: each watcher is an inotify instance, a per-user limit
        // (fs.inotify.max_user_instances, 128 by default on Linux). A provider that a JSON source resolves itself is
        // never disposed, so its watcher outlives the host until a garbage collection; this one is disposed with the
        // configuration.
        var appsettings = new JsonConfigurationSource { Path = Path.Combine(directory, "appsettings.json"), Optional = true, ReloadOnChange = settings.WatchConfigFiles };
        appsettings.ResolveFileProvider();
        IConfigurationBuilder builder = configuration;
        if (appsettings.FileProvider is PhysicalFileProvider files)
        {
            builder.Add(new FileProviderOwner(files));
        }

        builder.Add(appsettings);
        builder.Add(new JsonConfigurationSource
        {
            FileProvider = appsettings.FileProvider,
            Path = Path.Combine(Path.GetDirectoryName(appsettings.Path) ?? string.Empty, $"appsettings.{environmentName}.json"),
            Optional = true,
            ReloadOnChange = settings.WatchConfigFiles,
        });
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

    /// <summary>An empty configuration source whose provider disposes the config folder's file provider with the configuration.</summary>
    private sealed class FileProviderOwner(PhysicalFileProvider files) : ConfigurationProvider, IConfigurationSource, IDisposable
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public void Dispose() => files.Dispose();
    }
}
