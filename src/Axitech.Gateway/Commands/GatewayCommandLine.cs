using System.CommandLine;
using System.CommandLine.Invocation;

namespace Axitech.Gateway.Commands;

/// <summary>
/// The command line of the <c>Axitech.Gateway</c> executable: with no subcommand it runs the gateway; <c>sign</c>,
/// <c>send</c>, <c>check-config</c> and <c>healthcheck</c> are the operator's tools.
/// </summary>
internal static class GatewayCommandLine
{
    /// <summary>Parses <paramref name="args"/>, runs what they name and returns the process exit code.</summary>
    public static Task<int> InvokeAsync(string[] args)
    {
        var root = new RootCommand("Axitech.Gateway: a reverse proxy that verifies Axitech webhook signatures. With no command it runs the gateway; configuration overrides such as --Kestrel:Endpoints:Public:Url=http://*:8080 are passed to it.")
        {
            // The gateway's own configuration overrides (--Section:Key=value) are not options of this parser: they
            // are left unmatched and handed to the gateway's command-line configuration source as they were given.
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Add(SignCommand.Create());
        root.Add(SendCommand.Create());
        root.Add(CheckConfigCommand.Create());
        root.Add(HealthcheckCommand.Create());
        root.Add(DeliveriesCommand.Create());
        root.Add(HashPasswordCommand.Create());
        root.SetAction(async (parseResult, _) =>
        {
            if (args is [var first, ..] && IsMistypedCommand(first))
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"'{first}' is not a command ({string.Join(", ", root.Subcommands.Select(c => c.Name))}) nor a configuration override (--Section:Key=value). See --help.").ConfigureAwait(false);
                return CommandAction.Failure;
            }

            return await GatewayApplication.RunAsync(new GatewayHostSettings { Args = args }).ConfigureAwait(false);
        });

        // An '@' token is a configuration value, not a response file.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Action is ParseErrorAction parseError)
        {
            // The error alone, on stderr: a page of help on stdout would bury it.
            parseError.ShowHelp = false;
        }

        // The gateway drains in-flight requests on SIGTERM itself; the parser's own termination handler would end the
        // process after two seconds, mid-drain.
        return parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// A bare word first (no leading '-' or '/', no '=') cannot start a configuration override, so it is a command that
    /// does not exist: say so instead of starting a gateway.
    /// </summary>
    private static bool IsMistypedCommand(string token)
        => !token.StartsWith('-') && !token.StartsWith('/') && !token.Contains('=', StringComparison.Ordinal);
}
