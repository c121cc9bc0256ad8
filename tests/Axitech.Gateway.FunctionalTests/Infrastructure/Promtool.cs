using System.Diagnostics;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// Prometheus's <c>promtool</c> (Debian package <c>prometheus</c>). Where it is missing a test is skipped, except
/// under CI (<c>CI</c> set), where a missing tool must not pass for a passing check.
/// </summary>
public static class Promtool
{
    private static readonly Lazy<string?> _path = new(() => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => Path.Combine(directory, "promtool"))
        .FirstOrDefault(File.Exists));

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"promtool exited {ExitCode}.{Environment.NewLine}{Output}{Error}";
    }

    /// <summary>Fails under CI when promtool is missing, skips otherwise.</summary>
    public static void Require()
    {
        if (_path.Value is null && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail("promtool is not on PATH, and CI is set: install the Debian package 'prometheus'.");
        }

        Assert.SkipWhen(_path.Value is null, "promtool is not on PATH (Debian package 'prometheus'); skipped outside CI.");
    }

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

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
