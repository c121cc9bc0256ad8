using System.CommandLine;
using System.Text;
using Axitech.Gateway.DeliveryConsole;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>hash-password</c>: prints the bcrypt hash of a password for <c>Gateway:Console:Users:{name}:PasswordHash</c>. The
/// password is read from stdin (its first line) or typed at a prompt without echo, never taken from the command line,
/// where it would stay in the shell's history and be visible to every user of the host in the process list.
/// </summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("hash-password", "Print the bcrypt hash of a password for Gateway:Console:Users:{name}:PasswordHash. The password is the first line of stdin, or is typed twice at a prompt; it is never an argument (arguments stay in shell history and the process list).");
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var password = Console.IsInputRedirected
                ? await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                : Prompt(output.Error);
            if (string.IsNullOrEmpty(password))
            {
                throw new CommandException("no password given (pipe it to stdin, or type it at the prompt).");
            }

            // bcrypt reads at most 72 bytes of the password: a longer one would be cut short without a word.
            if (Encoding.UTF8.GetByteCount(password) > 72)
            {
                throw new CommandException("the password is longer than bcrypt's 72 bytes; choose one of at most 72 bytes (UTF-8).");
            }

            await output.Out.WriteLineAsync(ConsolePasswords.Hash(password)).ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    private static string? Prompt(TextWriter error)
    {
        error.Write("Password: ");
        var first = ReadHidden();
        error.WriteLine();
        error.Write("Again: ");
        var second = ReadHidden();
        error.WriteLine();
        return first == second ? first : throw new CommandException("the two passwords differ.");
    }

    private static string ReadHidden()
    {
        var typed = new StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        return typed.ToString();
    }
}
