namespace Axitech.Gateway.Testing.Gateways;

/// <summary>What one run of the executable did.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string AllOutput => StandardOutput + StandardError;

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
