using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// The console log as a log shipper reads it: the built gateway run as its own process, its stdout read line by line.
/// In-process capture would mix in every other test's gateway, and would not be the console formatter's output.
/// </summary>
public sealed class JsonConsoleLogTests
{
    [Fact]
    public async Task JsonFormatter_WritesOneObjectALine_WithTheRequestsTraceAndSpanIds()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(upstream.Address);
        var acceptedTrace = ActivityTraceId.CreateRandom();
        var rejectedTrace = ActivityTraceId.CreateRandom();
        var accepted = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        var forged = SignedRequest.Create(TestGateway.ClaimsPath + "/events", secret: "wh_sec_attacker");

        using var acceptedResponse = await gateway.SendAsync(accepted, acceptedTrace);
        using var rejectedResponse = await gateway.SendAsync(forged, rejectedTrace);
        var lines = await gateway.WaitForLinesAsync(lines => lines.Any(l => l.Contains("\"EventId\":2001", StringComparison.Ordinal))
            && lines.Any(l => l.Contains("\"EventId\":2002", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.OK, acceptedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rejectedResponse.StatusCode);
        var entries = lines.Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            return document.RootElement.Clone();
        }).ToList();
        Assert.All(entries, e => Assert.True(e.GetProperty("Timestamp").TryGetDateTimeOffset(out _), $"Timestamp '{e.GetProperty("Timestamp").GetString()}' is not ISO 8601."));

        var acceptance = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 2002);
        Assert.Equal("Information", acceptance.GetProperty("LogLevel").GetString());
        Assert.Equal(acceptedTrace.ToHexString(), JsonLogEvent.Scope(acceptance, "TraceId"));
        Assert.Matches("^[0-9a-f]{16}$", JsonLogEvent.Scope(acceptance, "SpanId"));

        var rejection = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 2001);
        Assert.Equal("Warning", rejection.GetProperty("LogLevel").GetString());
        Assert.Equal(rejectedTrace.ToHexString(), JsonLogEvent.Scope(rejection, "TraceId"));
        Assert.Matches("^[0-9a-f]{16}$", JsonLogEvent.Scope(rejection, "SpanId"));
        var state = rejection.GetProperty("State");
        Assert.Equal("claims", state.GetProperty("Route").GetString());
        Assert.Equal("axitech", state.GetProperty("Policy").GetString());
        Assert.Equal("invalid_signature", state.GetProperty("Reason").GetString());

        var all = string.Join('\n', lines);
        Assert.DoesNotContain(TestGateway.Secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(accepted.Signature, all, StringComparison.Ordinal);
        Assert.DoesNotContain(forged.Signature, all, StringComparison.Ordinal);
        Assert.DoesNotContain("sessionId", all, StringComparison.Ordinal);
    }

    /// <summary>The gateway as its own process (<c>dotnet Axitech.Gateway.dll</c> from the test output), configured on its command line.</summary>
    private sealed class GatewayProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _stdout = new();
        private readonly ConcurrentQueue<string> _stderr = new();
        private readonly string _configDirectory;
        private readonly HttpClient _client;

        private GatewayProcess(Process process, string configDirectory, int publicPort)
        {
            _process = process;
            _configDirectory = configDirectory;
            PublicPort = publicPort;
            _client = UntracedSender.Create(publicPort);
            process.OutputDataReceived += (_, e) =>
            {
                if (!string.IsNullOrEmpty(e.Data))
                {
                    _stdout.Enqueue(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _stderr.Enqueue(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int PublicPort { get; }

        public static async Task<GatewayProcess> StartAsync(string upstreamAddress)
        {
            var configDirectory = Directory.CreateTempSubdirectory("axgw-log-test-").FullName;
            var publicPort = FreePort.Next();
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Axitech.Gateway.dll"));
            var configuration = TestGateway.DefaultConfiguration(upstreamAddress);
            configuration["Kestrel:Endpoints:Public:Url"] = $"http://127.0.0.1:{publicPort}";
            configuration["Kestrel:Endpoints:Management:Url"] = $"http://127.0.0.1:{FreePort.Next()}";
            configuration["Logging:LogLevel:Axitech.Gateway"] = "Information";
            configuration["Logging:LogLevel:Axitech.Gateway.Audit"] = "Information";
            foreach (var (key, value) in configuration)
            {
                start.ArgumentList.Add($"--{key}={value}");
            }

            // Only what this test sets: no OTLP endpoint, no environment name from the machine running the tests.
            foreach (var variable in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("Logging__", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(variable);
            }

            start.Environment["Logging__Console__FormatterName"] = "json";
            start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
            start.Environment[GatewayHostSettings.ConfigDirectoryVariable] = configDirectory;

            var gateway = new GatewayProcess(Process.Start(start)!, configDirectory, publicPort);
            await gateway.WaitForLinesAsync(lines => lines.Any(l => l.Contains("\"EventId\":1,", StringComparison.Ordinal)));
            return gateway;
        }

        public Task<HttpResponseMessage> SendAsync(SignedRequest request, ActivityTraceId traceId)
        {
            var message = request.ToHttpRequest(PublicPort);
            message.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            return _client.SendAsync(message);
        }

        /// <summary>The stdout lines so far, once <paramref name="complete"/> holds (at most 20 seconds).</summary>
        public async Task<IReadOnlyList<string>> WaitForLinesAsync(Func<IReadOnlyList<string>, bool> complete)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                var lines = _stdout.ToList();
                if (complete(lines))
                {
                    return lines;
                }

                Assert.True(
                    DateTime.UtcNow < deadline && !_process.HasExited,
                    $"The gateway process did not log what was expected.{Environment.NewLine}stdout:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{Environment.NewLine}stderr:{Environment.NewLine}{string.Join(Environment.NewLine, _stderr)}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            Directory.Delete(_configDirectory, recursive: true);
        }
    }
}
