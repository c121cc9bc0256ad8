using System.CommandLine;

namespace Axitech.Gateway.Commands;

/// <summary>Runs a command's action so that a <see cref="CommandException"/> is a message on stderr and exit code 1, not a stack trace.</summary>
internal static class CommandAction
{
    public const int Success = 0;
    public const int Failure = 1;

    public static void SetGuardedAction(this Command command, Func<ParseResult, CommandOutput, CancellationToken, Task<int>> action)
        => command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = new CommandOutput(parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);

            // The root command lets unknown tokens through for the gateway's configuration, and the parser applies that
            // to the subcommands too: here an unknown token is a mistake.
            if (parseResult.UnmatchedTokens.Count > 0)
            {
                await output.Error.WriteLineAsync($"{command.Name}: unrecognized {string.Join(" ", parseResult.UnmatchedTokens.Select(t => $"'{t}'"))}. See {command.Name} --help.").ConfigureAwait(false);
                return Failure;
            }

            try
            {
                return await action(parseResult, output, cancellationToken).ConfigureAwait(false);
            }
            catch (CommandException ex)
            {
                await output.Error.WriteLineAsync($"{command.Name}: {ex.Message}").ConfigureAwait(false);
                return Failure;
            }
        });
}
