using System.Diagnostics;
using System.Text;
using Axitech.Gateway.Testing.Gateways;

namespace Axitech.Gateway.Testing.Processes;

/// <summary>Runs a POSIX shell script (through <see cref="ChildProcess"/>), as an operator pasting a printed command line would.</summary>
public static class Shell
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    /// <summary>Feeds <paramref name="script"/> to <c>sh</c> on stdin and runs it to its end (at most 30 seconds).</summary>
    /// <param name="environment">Variables added to (or, when null, removed from) the test process's environment.</param>
    public static async Task<CommandResult> RunAsync(string script, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo("sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[name] = value;
        }

        return await ChildProcess.RunToEndAsync(startInfo, Encoding.UTF8.GetBytes(script), _timeout);
    }
}
