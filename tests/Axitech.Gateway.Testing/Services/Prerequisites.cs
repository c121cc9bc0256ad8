using System.Diagnostics.CodeAnalysis;

namespace Axitech.Gateway.Testing.Services;

/// <summary>
/// The services the tests start themselves when they are installed: redis-server, promtool (Debian package
/// <c>prometheus</c>) and PostgreSQL. A test that needs a missing one is skipped with the command that installs them
/// all, except where <c>CI</c> is set: there a missing service fails the test, so that it cannot pass for a check.
/// </summary>
public static class Prerequisites
{
    /// <summary>The one command that installs every service the tests use (Debian, Ubuntu).</summary>
    public const string InstallCommand = "sudo apt-get install -y redis-server prometheus postgresql chromium";

    public static bool UnderCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Returns <paramref name="path"/>; when it is null the test fails under CI and is skipped elsewhere.</summary>
    /// <param name="what">What is missing, e.g. <c>redis-server</c>.</param>
    public static string Require([NotNull] string? path, string what)
    {
        if (path is null)
        {
            var message = $"{what} is not installed. Install the services the tests use with: {InstallCommand}";
            if (UnderCi)
            {
                Assert.Fail(message + " (CI is set: a missing service fails the test instead of skipping it).");
            }

            Assert.Skip(message);
        }

        return path;
    }

    /// <summary>The first of <paramref name="candidates"/> that exists, else <paramref name="name"/> found on PATH, else null.</summary>
    public static string? Find(string name, params string[] candidates)
        => candidates.FirstOrDefault(File.Exists)
            ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(directory => Path.Combine(directory, name))
                .FirstOrDefault(File.Exists);
}
