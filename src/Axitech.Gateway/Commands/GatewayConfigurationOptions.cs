using System.CommandLine;
using Axitech.Gateway.Configuration;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>--config-dir</c> and <c>--environment</c>: which configuration <c>check-config</c> and <c>healthcheck</c> load.
/// They load it as the gateway does: embedded defaults, the config folder's appsettings files, then the environment.
/// </summary>
internal sealed class GatewayConfigurationOptions
{
    private readonly Option<DirectoryInfo> _configDirectory = new("--config-dir")
    {
        Description = $"The folder holding appsettings.json and appsettings.{{Environment}}.json. The default is the gateway's: ${GatewayHostSettings.ConfigDirectoryVariable}, else the repository's config/ in the Development environment of a build in a clone (dotnet run), else config/ beside the executable.",
        HelpName = "DIR",
    };

    private readonly Option<string> _environment = new("--environment")
    {
        Description = "The environment name (Production, Development, ...). The default is the gateway's: $ASPNETCORE_ENVIRONMENT, else $DOTNET_ENVIRONMENT, else Production.",
        HelpName = "NAME",
    };

    private readonly Option<FileInfo> _environmentFile = new("--env-file")
    {
        Description = "A file of KEY=VALUE lines read as systemd's EnvironmentFile= reads it (the unit's secrets file), given to the configuration as environment variables are.",
        HelpName = "PATH",
    };

    public GatewayConfigurationOptions()
    {
        _configDirectory.AcceptExistingOnly();
        _environmentFile.AcceptExistingOnly();
    }

    public void AddTo(Command command)
    {
        command.Add(_configDirectory);
        command.Add(_environment);
        command.Add(_environmentFile);
    }

    /// <summary>Loads the configuration; a file that is not valid JSON is a <see cref="CommandException"/> naming it.</summary>
    public LoadedGatewayConfiguration Load(ParseResult parseResult)
    {
        var settings = new GatewayHostSettings { ConfigDirectory = parseResult.GetValue(_configDirectory)?.FullName };
        var environmentName = parseResult.GetValue(_environment)
            ?? NonEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"))
            ?? NonEmpty(Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"))
            ?? Environments.Production;

        var environmentFile = parseResult.GetValue(_environmentFile) is { } file ? EnvironmentFile.Read(file.FullName) : null;
        var configuration = new ConfigurationManager();
        try
        {
            configuration.AddGatewayConfiguration(settings with { WatchConfigFiles = false }, environmentName, environmentFile);
        }
        catch (GatewayConfigurationException ex)
        {
            configuration.Dispose();
            throw new CommandException(string.Join(" ", ex.Errors), ex);
        }
        catch (InvalidDataException ex)
        {
            configuration.Dispose();
            throw new CommandException($"{ex.Message} {ex.InnerException?.Message} Fix the JSON (comments and trailing commas are allowed).", ex);
        }

        return new LoadedGatewayConfiguration(configuration, settings.ResolveConfigDirectory(environmentName), environmentName)
        {
            SecretsDirectory = settings.ResolveSecretsDirectory(),
            EnvironmentFile = parseResult.GetValue(_environmentFile)?.FullName,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
