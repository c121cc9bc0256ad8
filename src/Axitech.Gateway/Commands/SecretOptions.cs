using System.CommandLine;

namespace Axitech.Gateway.Commands;

/// <summary>
/// Where <c>sign</c> and <c>send</c> take the secret from: an environment variable or a file, never a plain argument
/// (arguments end up in shell history and in every process list on the machine).
/// </summary>
internal sealed class SecretOptions
{
    private readonly Option<string> _environmentVariable = new("--secret-env")
    {
        Description = "The name of the environment variable that holds the secret (export AXITECH_SECRET=... then --secret-env AXITECH_SECRET).",
        HelpName = "NAME",
    };

    private readonly Option<FileInfo> _file = new("--secret-file")
    {
        Description = "A file that holds the secret (a mounted secret, for instance); one trailing newline is ignored.",
        HelpName = "PATH",
    };

    public void AddTo(Command command)
    {
        command.Add(_environmentVariable);
        command.Add(_file);
        command.Validators.Add(result =>
        {
            var fromEnvironment = result.GetResult(_environmentVariable) is not null;
            var fromFile = result.GetResult(_file) is not null;
            if (fromEnvironment == fromFile)
            {
                result.AddError("Give the secret with exactly one of --secret-env NAME or --secret-file PATH (never as a plain argument).");
            }
        });
    }

    /// <summary>Reads the secret; the messages name where it was looked for, never what was found.</summary>
    public string Read(ParseResult parseResult)
    {
        if (parseResult.GetValue(_environmentVariable) is { } name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value)
                ? throw new CommandException($"The environment variable '{name}' named by --secret-env is not set or is empty.")
                : value;
        }

        var file = parseResult.GetRequiredValue(_file);
        string text;
        try
        {
            text = File.ReadAllText(file.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"The secret file '{file.FullName}' cannot be read: {ex.Message}", ex);
        }

        // Editors and `echo` end a file with a newline that is not part of the secret.
        if (text.EndsWith("\r\n", StringComparison.Ordinal))
        {
            text = text[..^2];
        }
        else if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }

        return text.Length == 0
            ? throw new CommandException($"The secret file '{file.FullName}' is empty.")
            : text;
    }
}
