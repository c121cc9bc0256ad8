using System.Diagnostics;
using System.Text;
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
        var start = new ProcessStartInfo(_path.Value!) { WorkingDirectory = RepositoryRoot.Path };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var result = await ChildProcess.RunToEndAsync(start, input is null ? null : Encoding.UTF8.GetBytes(input), TimeSpan.FromSeconds(60));
        return new Result(result.ExitCode, result.StandardOutput, result.StandardError);
    }
}
