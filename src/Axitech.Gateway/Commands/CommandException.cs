namespace Axitech.Gateway.Commands;

/// <summary>A command cannot do what it was asked; the message says why and what to do, and goes to stderr.</summary>
public sealed class CommandException : Exception
{
    public CommandException()
    {
    }

    public CommandException(string message)
        : base(message)
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
