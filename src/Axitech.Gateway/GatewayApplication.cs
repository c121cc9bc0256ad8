using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;
using Axitech.Gateway.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Axitech.Gateway;

/// <summary>Builds and runs the gateway host.</summary>
public static partial class GatewayApplication
{
    /// <summary>Builds a gateway with its configuration validated: an invalid one throws <see cref="GatewayConfigurationException"/>.</summary>
    public static WebApplication Build(GatewayHostSettings settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The builder's default sources are replaced below; they must not each start a file watcher first
            // (inotify instances are a per-user limit).
            Args = [.. settings.Args, "--hostBuilder:reloadConfigOnChange=false"],
            EnvironmentName = settings.EnvironmentName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddGatewayConfiguration(settings, builder.Environment.EnvironmentName);

        // Fail closed, early, and with every problem listed: the same function as every reload and check-config.
        var snapshot = GatewaySnapshotBuilder.Build(builder.Configuration, builder.Environment.EnvironmentName);
        if (!snapshot.IsValid)
        {
            throw new GatewayConfigurationException(snapshot.Errors);
        }

        builder.AddGateway(snapshot);
        settings.ConfigureServices?.Invoke(builder.Services);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<GatewaySnapshotSource>();
        app.MapGateway();
        app.Lifetime.ApplicationStarted.Register(() => LogAddresses(app));
        return app;
    }

    /// <summary>Runs the gateway until SIGTERM/Ctrl+C; returns the process exit code.</summary>
    public static async Task<int> RunAsync(GatewayHostSettings settings)
    {
        ConsoleLogWriter.Install();
        try
        {
            return await RunCoreAsync(settings).ConfigureAwait(false);
        }
        finally
        {
            ConsoleLogWriter.Drain(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<int> RunCoreAsync(GatewayHostSettings settings)
    {
        WebApplication app;
        try
        {
            app = Build(settings);
        }
        catch (GatewayConfigurationException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 1;
        }

        try
        {
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or GatewayConfigurationException)
        {
            // YARP's "The proxy config is invalid." and Kestrel's bind failures: say what, not a stack trace.
            await Console.Error.WriteLineAsync(Describe(ex)).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (var current = ex; current is not null; current = current.InnerException)
        {
            if (current is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(e => e.Message));
                break;
            }

            messages.Add(current.Message);
        }

        return "The gateway could not start:" + string.Concat(messages.Distinct().Select(m => Environment.NewLine + " - " + m));
    }

    private static void LogAddresses(WebApplication app)
    {
        // The addresses Kestrel bound (a configured port 0 shows the port it got), told apart by listener.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var listeners = app.Services.GetRequiredService<GatewayListeners>();
        var management = addresses.Where(a => BindingAddress.Parse(a) is var b && listeners.IsManagementPort(b.Port)).ToList();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategories.Gateway);
        Log.Listening(logger, string.Join(", ", addresses), string.Join(", ", addresses.Except(management)), string.Join(", ", management));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Axitech.Gateway listening on {Addresses} (Public: {PublicUrl}, webhooks; Management: {ManagementUrl}, /healthz /readyz /metrics).")]
        public static partial void Listening(ILogger logger, string addresses, string? publicUrl, string? managementUrl);
    }
}
