using System.Diagnostics;
using Axitech.Gateway.Testing.Processes;

namespace Axitech.Gateway.Testing.Services;

/// <summary>
/// Prometheus's <c>promtool</c> (Debian package <c>prometheus</c>). Where it is missing a test is skipped, except
/// under CI (<c>CI</c> set), where a missing tool must not pass for a passing check.
/// </summary>
public static class Promtool
{
    private static readonly Lazy<string?> _path = new(() => Prerequisites.Find("promtool"));

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"promtool exited {ExitCode}.{Environment.NewLine}{Output}{Error}";
    }

    /// <summary>Fails under CI when promtool is missing, skips otherwise.</summary>
    public static void Require() => Prerequisites.Require(_path.Value, "promtool (Debian package prometheus)");

    /// <summary>Runs promtool in the repository root with <paramref name="arguments"/>, feeding <paramref name="input"/> to stdin.</summary>
    public static async Task<Result> RunAsync(string? input, params string[] arguments)
    {
        Require();
        var start = new ProcessStartInfo(_path.Value!)
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = ChildProcess.Start(start);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
