namespace Axitech.Gateway.Commands;

/// <summary>Where a command writes: results to <see cref="Out"/>, errors and warnings to <see cref="Error"/>.</summary>
internal sealed record CommandOutput(TextWriter Out, TextWriter Error);
