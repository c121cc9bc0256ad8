namespace Axitech.Gateway.Configuration;

/// <summary>The configuration cannot be used; the message lists every problem, each saying what to fix.</summary>
public sealed class GatewayConfigurationException : Exception
{
    public GatewayConfigurationException()
        : this([])
    {
    }

    public GatewayConfigurationException(string message)
        : this([message])
    {
    }

    public GatewayConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public GatewayConfigurationException(IReadOnlyList<string> errors)
        : base("The gateway configuration is invalid:" + string.Concat(errors.Select(e => Environment.NewLine + " - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Each problem, one sentence that says what to fix.</summary>
    public IReadOnlyList<string> Errors { get; }
}
