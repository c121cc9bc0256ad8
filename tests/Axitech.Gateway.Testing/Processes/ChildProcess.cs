using System.Diagnostics;
using Axitech.Gateway.Testing.Gateways;
using System.Text.RegularExpressions;

namespace Axitech.Gateway.Testing.Processes;

/// <summary>
/// Starts every process the tests start (redis-server, PostgreSQL, the gateway, its commands, promtool) through one small
/// launcher that ties the process's life to the test process's. The launcher is a <c>sh</c> that leaves a watchdog
/// behind and then execs the program, so the program keeps the launcher's process id: its signals, exit code and
/// redirected streams are its own. The watchdog looks at the test process once a second and kills the program with
/// SIGKILL once the test process is gone, however it ended (a passing run, a crash, <c>kill -9</c> of the test host);
/// it ends by itself when the program does. PR_SET_PDEATHSIG is not used: it fires when the thread that forked exits,
/// not the process, and .NET forks from whichever thread starts a process.
/// </summary>
public static partial class ChildProcess
{
    // $1: the process to outlive no longer; then env, the variables only env can pass on, the program and its arguments. $$ is the launcher's own id, which
    // the program takes over at exec. The watchdog keeps none of the program's streams open (a reader of the
    // program's output would otherwise wait for the watchdog to end).
    private const string Launcher = """
        watched=$1
        shift
        (
          while kill -0 $$ 2>/dev/null; do
            if ! kill -0 "$watched" 2>/dev/null; then kill -KILL $$ 2>/dev/null; exit 0; fi
            sleep 1
          done
        ) </dev/null >/dev/null 2>&1 &
        exec "$@"
        """;

    /// <summary>Starts <paramref name="program"/> (its <see cref="ProcessStartInfo.ArgumentList"/>, environment, working directory and redirections) under the launcher.</summary>
    /// <param name="watchedProcessId">The process whose end kills the program; this (the test) process by default.</param>
    public static Process Start(ProcessStartInfo program, int? watchedProcessId = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (!string.IsNullOrEmpty(program.Arguments))
        {
            throw new ArgumentException("Give the arguments as ArgumentList: the launcher passes them on one by one.", nameof(program));
        }

        var launcher = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = program.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = program.RedirectStandardInput,
            RedirectStandardOutput = program.RedirectStandardOutput,
            RedirectStandardError = program.RedirectStandardError,
            StandardInputEncoding = program.StandardInputEncoding,
            StandardOutputEncoding = program.StandardOutputEncoding,
            StandardErrorEncoding = program.StandardErrorEncoding,
        };
        launcher.ArgumentList.Add("-c");
        launcher.ArgumentList.Add(Launcher);
        launcher.ArgumentList.Add("axgw-test-launcher");
        launcher.ArgumentList.Add((watchedProcessId ?? Environment.ProcessId).ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A shell drops variables whose names it cannot hold (Logging__LogLevel__Axitech.Gateway): env(1) puts them back.
        launcher.ArgumentList.Add("env");
        foreach (var (name, value) in program.Environment.Where(v => v.Value is not null && !ShellName().IsMatch(v.Key)))
        {
            launcher.ArgumentList.Add($"{name}={value}");
        }

        launcher.ArgumentList.Add(program.FileName);
        foreach (var argument in program.ArgumentList)
        {
            launcher.ArgumentList.Add(argument);
        }

        launcher.Environment.Clear();
        foreach (var (name, value) in program.Environment)
        {
            launcher.Environment[name] = value;
        }

        return Process.Start(launcher) ?? throw new InvalidOperationException($"{program.FileName} did not start.");
    }

    /// <summary>
    /// Starts <paramref name="program"/> (stdin, stdout and stderr redirected), feeds it <paramref name="standardInput"/>
    /// and closes its stdin, then waits for its end with both outputs read. After <paramref name="timeout"/> (or when the
    /// test is cancelled) the program and its children are killed and a <see cref="TimeoutException"/> names it.
    /// </summary>
    public static async Task<CommandResult> RunToEndAsync(ProcessStartInfo program, byte[]? standardInput, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(program);
        program.UseShellExecute = false;
        program.RedirectStandardInput = true;
        program.RedirectStandardOutput = true;
        program.RedirectStandardError = true;
        using var process = Start(program);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{program.FileName} {string.Join(' ', program.ArgumentList)}' did not end within {timeout}: {await stdout}{await stderr}");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ShellName();
}
