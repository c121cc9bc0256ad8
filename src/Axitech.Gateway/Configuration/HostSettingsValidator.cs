using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// What the host would otherwise refuse only once it starts, often with a stack trace: Kestrel's endpoints and limits,
/// and the log levels. Part of <see cref="GatewaySnapshotBuilder"/>.
/// </summary>
internal static class HostSettingsValidator
{
    private static readonly TimeSpan _minGracePeriod = TimeSpan.FromSeconds(1);

    public static void Validate(IConfiguration configuration, List<string> errors)
    {
        ValidateEndpoints(configuration.GetSection("Kestrel:Endpoints"), errors);
        ValidateLimits(configuration.GetSection("Kestrel"), errors);
        ValidateLogLevels(configuration.GetSection("Logging"), errors);
    }

    private static void ValidateEndpoints(IConfigurationSection endpoints, List<string> errors)
    {
        var ports = new List<(string Name, int Port)>();
        var hasManagement = false;
        foreach (var endpoint in endpoints.GetChildren())
        {
            var key = $"Kestrel:Endpoints:{endpoint.Key}:Url";
            var url = endpoint["Url"];
            if (string.IsNullOrWhiteSpace(url))
            {
                // Kestrel refuses an endpoint without a Url; the Management one is needed for /healthz, /readyz and /metrics.
                errors.Add($"{key} is not set: give every endpoint under Kestrel:Endpoints a Url such as http://*:8080, or remove the endpoint.");
                continue;
            }

            hasManagement |= string.Equals(endpoint.Key, GatewayDefaults.ManagementEndpointName, StringComparison.OrdinalIgnoreCase);
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                errors.Add($"{key} '{url}' is not a listener URL: write scheme, host and port, such as http://*:8080 or https://0.0.0.0:8443.");
                continue;
            }

            if (address.Scheme is not ("http" or "https"))
            {
                errors.Add($"{key} '{url}' must start with http:// or https:// (such as http://*:8080).");
                continue;
            }

            if (!address.IsUnixPipe && address.Port != 0)
            {
                ports.Add((endpoint.Key, address.Port));
            }

            if (endpoint["Certificate:Path"] is { Length: > 0 } certificate && !File.Exists(certificate))
            {
                errors.Add($"Kestrel:Endpoints:{endpoint.Key}:Certificate:Path '{certificate}' does not exist: mount the certificate there, or fix the path.");
            }
        }

        if (!hasManagement)
        {
            errors.Add($"Kestrel:Endpoints:{GatewayDefaults.ManagementEndpointName}:Url is not set: /healthz, /readyz and /metrics need a listener of their own (the default is http://*:{GatewayDefaults.ManagementPort}).");
        }

        foreach (var shared in ports.GroupBy(p => p.Port).Where(g => g.Count() > 1 && g.Any(IsManagement)))
        {
            var names = string.Join(" and ", shared.Select(p => $"Kestrel:Endpoints:{p.Name}:Url"));
            errors.Add($"{names} use the same port {shared.Key.ToString(CultureInfo.InvariantCulture)}: the Management endpoint (/healthz, /readyz, /metrics) must have a port of its own, kept off the internet; give it another, such as {GatewayDefaults.ManagementPort.ToString(CultureInfo.InvariantCulture)}.");
        }

        static bool IsManagement((string Name, int Port) endpoint)
            => string.Equals(endpoint.Name, GatewayDefaults.ManagementEndpointName, StringComparison.OrdinalIgnoreCase);
    }

    private static void ValidateLimits(IConfigurationSection kestrel, List<string> errors)
    {
        try
        {
            // As the host binds them (Configure<KestrelServerOptions>): a value that does not convert names its key.
            kestrel.Bind(new KestrelServerOptions());
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{ex.Message} Fix the value under Kestrel.");
        }

        var rate = kestrel.GetSection("Limits:MinRequestBodyDataRate");
        if (!rate.Exists())
        {
            return;
        }

        if (!double.TryParse(rate["BytesPerSecond"] ?? "0", NumberStyles.Float, CultureInfo.InvariantCulture, out var bytesPerSecond) || bytesPerSecond < 0)
        {
            errors.Add($"Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond '{rate["BytesPerSecond"]}' must be a number of bytes per second, 0 or more (0 turns the limit off; the default is 1024).");
        }
        else if (bytesPerSecond > 0
            && (!TimeSpan.TryParse(rate["GracePeriod"] ?? "00:00:05", CultureInfo.InvariantCulture, out var grace) || grace <= _minGracePeriod))
        {
            errors.Add($"Kestrel:Limits:MinRequestBodyDataRate:GracePeriod '{rate["GracePeriod"]}' must be a duration longer than 00:00:01 (the default is 00:00:05).");
        }
    }

    /// <summary>Every <c>LogLevel</c> section under <c>Logging</c> (the providers' too): values the logging system accepts.</summary>
    private static void ValidateLogLevels(IConfigurationSection section, List<string> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (string.Equals(child.Key, "LogLevel", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var level in child.GetChildren().Where(l => l.Value is not null && !Enum.TryParse<LogLevel>(l.Value, ignoreCase: true, out _)))
                {
                    errors.Add($"{level.Path} '{level.Value}' is not a log level: use Trace, Debug, Information, Warning, Error, Critical or None.");
                }
            }
            else
            {
                ValidateLogLevels(child, errors);
            }
        }
    }
}
