using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Axitech.Gateway.Configuration;

internal static class GatewayConfigurationExtensions
{
    /// <summary>
    /// The configuration sources, lowest priority first: the embedded defaults, <c>appsettings.json</c> and
    /// <c>appsettings.{Environment}.json</c> from the config folder (reloaded on change unless
    /// <see cref="GatewayHostSettings.WatchConfigFiles"/> is off), the secrets folder (one file per key, polled:
    /// <see cref="MountedSecretsFileProvider"/>), environment variables (the standard <c>__</c> mapping), an
    /// environment file given to a command, the command line, and test overrides.
    /// </summary>
    /// <exception cref="GatewayConfigurationException">The secrets folder is named but is not there.</exception>
    public static void AddGatewayConfiguration(this ConfigurationManager configuration, GatewayHostSettings settings, string environmentName, IEnumerable<KeyValuePair<string, string?>>? environmentFile = null)
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
        if (settings.ResolveSecretsDirectory() is { } secrets)
        {
            if (!Directory.Exists(secrets))
            {
                throw new GatewayConfigurationException([$"The secrets folder {secrets} (${GatewayHostSettings.SecretsDirectoryVariable}) does not exist: mount it there, or unset {GatewayHostSettings.SecretsDirectoryVariable}."]);
            }

            var provider = new MountedSecretsFileProvider(Path.GetFullPath(secrets), settings.WatchConfigFiles, TimeProvider.System);
            builder.Add(new FileProviderOwner(provider));
            configuration.AddKeyPerFile(source =>
            {
                source.FileProvider = provider;
                source.Optional = false;
                source.ReloadOnChange = settings.WatchConfigFiles;
            });
        }

        if (settings.ReadEnvironment)
        {
            configuration.AddEnvironmentVariables();
        }

        if (environmentFile is not null)
        {
            configuration.AddInMemoryCollection(environmentFile);
        }

        configuration.AddCommandLine([.. settings.Args]);
        if (settings.Overrides is not null)
        {
            configuration.AddInMemoryCollection(settings.Overrides);
        }
    }

    /// <summary>An empty configuration source whose provider disposes a file provider (its watcher, its poll) with the configuration.</summary>
    private sealed class FileProviderOwner(IDisposable files) : ConfigurationProvider, IConfigurationSource, IDisposable
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public void Dispose() => files.Dispose();
    }
}
