using System.CommandLine;
using System.Globalization;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>healthcheck</c>: GETs the management endpoint's <c>/healthz</c> and exits 0 on 200, 1 otherwise. It is the
/// container's HEALTHCHECK, since the image has no curl.
/// </summary>
internal static class HealthcheckCommand
{
    public const string ManagementUrlKey = "Kestrel:Endpoints:Management:Url";

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(5);

    public static Command Create()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var url = new Option<string>("--url")
        {
            Description = $"The URL to GET: an absolute http:// or https:// URL such as http://127.0.0.1:9464/healthz. A URL without a scheme (127.0.0.1:9464) is refused, not guessed: the management endpoint may be https. The default is /healthz on {ManagementUrlKey} of the configuration the gateway would load, with a wildcard host (*, +, 0.0.0.0, [::]) replaced by 127.0.0.1.",
            HelpName = "URL",
        };
        url.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !IsHttpUrl(value))
            {
                result.AddError($"--url '{value}' is not an absolute http:// or https:// URL such as http://127.0.0.1:9464/healthz; a missing scheme is not guessed.");
            }
        });

        var command = new Command("healthcheck", "GET the management /healthz; exit 0 when it answers 200 within 5 seconds, 1 otherwise.");
        command.Add(url);
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var address = parseResult.GetValue(url) ?? DefaultUrl(configurationOptions, parseResult);
            using var client = new HttpClient { Timeout = _timeout };
            try
            {
                using var response = await client.GetAsync(new Uri(address), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                var status = $"{((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)} {response.StatusCode}";
                if (response.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    await output.Out.WriteLineAsync($"healthy: GET {address} answered {status}").ConfigureAwait(false);
                    return CommandAction.Success;
                }

                await output.Error.WriteLineAsync($"unhealthy: GET {address} answered {status}").ConfigureAwait(false);
                return CommandAction.Failure;
            }
            catch (HttpRequestException ex)
            {
                await output.Error.WriteLineAsync($"unhealthy: GET {address} failed: {ex.Message}").ConfigureAwait(false);
                return CommandAction.Failure;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await output.Error.WriteLineAsync($"unhealthy: GET {address} had no answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s").ConfigureAwait(false);
                return CommandAction.Failure;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>/healthz</c> on a Kestrel endpoint URL, as reachable from the same machine: <c>http://*:9464</c> becomes
    /// <c>http://127.0.0.1:9464/healthz</c>.
    /// </summary>
    public static string ToLocalHealthUrl(string endpointUrl)
    {
        var schemeEnd = endpointUrl.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new CommandException($"{ManagementUrlKey} '{endpointUrl}' is not a URL such as http://*:9464; give --url.");
        }

        var authority = endpointUrl[(schemeEnd + 3)..].TrimEnd('/');
        var hostEnd = authority.StartsWith('[') ? authority.IndexOf(']', StringComparison.Ordinal) + 1 : authority.IndexOf(':', StringComparison.Ordinal);
        if (hostEnd <= 0)
        {
            hostEnd = authority.Length;
        }

        var host = authority[..hostEnd];
        if (host is "*" or "+" or "0.0.0.0" or "[::]")
        {
            host = "127.0.0.1";
        }

        var url = $"{endpointUrl[..schemeEnd]}://{host}{authority[hostEnd..]}/healthz";
        return Uri.TryCreate(url, UriKind.Absolute, out _)
            ? url
            : throw new CommandException($"{ManagementUrlKey} '{endpointUrl}' is not a URL such as http://*:9464; give --url.");
    }

    /// <summary>
    /// Whether <paramref name="value"/> is an absolute http(s) URL with a host. <c>localhost:9464</c> is an absolute URI
    /// whose scheme is <c>localhost</c>, so the scheme is checked, not only the parse.
    /// </summary>
    private static bool IsHttpUrl(string value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Host.Length > 0;

    private static string DefaultUrl(GatewayConfigurationOptions configurationOptions, ParseResult parseResult)
    {
        using var loaded = configurationOptions.Load(parseResult);
        return loaded.Configuration[ManagementUrlKey] is { Length: > 0 } endpointUrl
            ? ToLocalHealthUrl(endpointUrl)
            : throw new CommandException($"{ManagementUrlKey} is not configured; give --url.");
    }
}
