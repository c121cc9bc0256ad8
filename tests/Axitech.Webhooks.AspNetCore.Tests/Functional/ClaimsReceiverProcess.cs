using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Axitech.Gateway.Testing;
using Axitech.Gateway.Testing.Gateways;
using Axitech.Gateway.Testing.Processes;

namespace Axitech.Webhooks.AspNetCore.Tests.Functional;

/// <summary>
/// <c>samples/ClaimsReceiver</c> as its own process (<c>dotnet ClaimsReceiver.dll</c>, built with this project), on a
/// loopback port of its own, with the gateway tests' secret; its log lines are kept for the test to wait on.
/// </summary>
internal sealed partial class ClaimsReceiverProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    private ClaimsReceiverProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join(Environment.NewLine, _lines);

    /// <summary>Starts the sample and waits until it listens.</summary>
    /// <param name="processingDelay">How long each delivery's processing takes.</param>
    /// <param name="redis">A Redis connection string shared by several instances; the in-memory cache otherwise.</param>
    public static async Task<ClaimsReceiverProcess> StartAsync(TimeSpan processingDelay, string? redis = null)
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
        var folder = RepositoryRoot.File(Path.Combine("samples", "ClaimsReceiver", "bin", configuration, "net10.0"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { Path.Combine(folder, "ClaimsReceiver.dll") },
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Webhooks__Policies__axitech__Secrets__0"] = TestGateway.Secret;
        start.Environment["ClaimsReceiver__ProcessingDelay"] = processingDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ConnectionStrings__Redis"] = redis ?? string.Empty;
        var receiver = new ClaimsReceiverProcess(ChildProcess.Start(start));
        try
        {
            var exited = receiver._process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var first = await Task.WhenAny(receiver._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            if (first != receiver._listening.Task)
            {
                throw new InvalidOperationException($"samples/ClaimsReceiver did not listen within 60 seconds:{Environment.NewLine}{receiver.Output}");
            }

            receiver.Address = await receiver._listening.Task;
            return receiver;
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many times each delivery's work ran, as the sample counts it (<c>GET /processed</c>).</summary>
    public async Task<Dictionary<string, int>> ProcessedAsync()
        => await _client.GetFromJsonAsync<Dictionary<string, int>>(new Uri(Address, "/processed"), TestContext.Current.CancellationToken) ?? [];

    /// <summary>The ids of the deliveries whose processing began (log event 1).</summary>
    public IEnumerable<string> Started => Lines.Select(l => ProcessingLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["id"].Value);

    /// <summary>The ids of repeats answered from the idempotency record without running the handler (log event 2802).</summary>
    public IEnumerable<string> AnsweredFromRecord => Lines.Select(l => RepeatLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["id"].Value);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Processing delivery (?<id>[0-9a-f-]{36})\.")]
    private static partial Regex ProcessingLine();

    [GeneratedRegex(@"Delivery (?<id>[0-9a-f-]{36}) repeated after it was processed")]
    private static partial Regex RepeatLine();
}
