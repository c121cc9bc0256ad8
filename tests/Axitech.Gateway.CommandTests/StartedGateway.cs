using System.Diagnostics;
using System.Text;

namespace Axitech.Gateway.CommandTests;

/// <summary>
/// A gateway process started by one test (unlike <see cref="GatewayProcessFixture"/>, the shared demo), with its output
/// kept: a test waits for a line instead of sleeping. Disposing ends the process.
/// </summary>
public sealed class StartedGateway : IAsyncDisposable
{
    /// <summary>What the gateway logs once it listens (GatewayApplication's event 1).</summary>
    public const string ListeningLine = "Axitech.Gateway listening on";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];
    private bool _ended;

    private StartedGateway(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_waiters)
            {
                return _output.ToString();
            }
        }
    }

    public static StartedGateway Start(ProcessStartInfo startInfo)
        => new(Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start."));

    /// <summary>Completes when the output has a line containing <paramref name="text"/>; fails if the process ends first or after <paramref name="timeout"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (_ended)
            {
                throw new InvalidOperationException($"The gateway ended without writing '{text}':\n{_output}");
            }

            _waiters.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The gateway did not write '{text}' within {timeout}:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        lock (_waiters)
        {
            if (line is null)
            {
                // End of a stream: the process has ended or is ending.
                _ended = true;
                foreach (var (text, seen) in _waiters)
                {
                    seen.TrySetException(new InvalidOperationException($"The gateway ended without writing '{text}':\n{_output}"));
                }

                _waiters.Clear();
                return;
            }

            _output.AppendLine(line);
            foreach (var waiter in _waiters.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Seen.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
