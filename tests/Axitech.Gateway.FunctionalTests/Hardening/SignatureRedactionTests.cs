using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// No log line, log attribute or span carries a signature or a key derived from it (issue 18): the client library's
/// exception messages name the Redis key, which is the signature, so they must not reach the logs.
/// </summary>
public sealed partial class SignatureRedactionTests
{
    [Fact]
    public async Task AStalledRedis_IsLogged_WithoutTheSignatureOrTheKey()
    {
        await using var redis = await RedisServer.StartAsync();
        var logs = new CapturingLoggerProvider();
        var spans = new SpanCollection();
        await using var gateway = await TestGateway.StartAsync(
            c =>
            {
                c["ConnectionStrings:Redis"] = redis.ConnectionString;
                c["Logging:LogLevel:Default"] = "Trace";
                c["Logging:LogLevel:Axitech.Gateway"] = "Trace";
            },
            services: services =>
            {
                services.AddSingleton<ILoggerProvider>(logs);
                spans.AddTo(services);
            });
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/stalled");

        // Commands time out after 1 s (the test connection string); Redis holds them for 3.
        await redis.PauseClientsAsync(TimeSpan.FromSeconds(3));
        using (var refused = await gateway.SendAsync(delivery))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        // The claim's release is retried in the background until Redis answers: more log lines, then quiet.
        await Task.Delay(TimeSpan.FromSeconds(4));
        using (var retried = await gateway.SendAsync(delivery))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        }

        var texts = logs.Texts.Concat(spans.Snapshot().SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName))).ToList();
        Assert.Contains(logs.Records, r => r.EventId == 3101);
        Assert.DoesNotContain(texts, t => t.Contains(delivery.Signature, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(texts, t => SixtyFourHex().IsMatch(t));
        Assert.DoesNotContain(texts, t => t.Contains("axgw:", StringComparison.Ordinal));
    }

    [GeneratedRegex("[0-9a-fA-F]{64}")]
    private static partial Regex SixtyFourHex();

    /// <summary>Every log record of the gateway: its formatted message, its attributes and its exception, as text.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(int EventId, string Text)> _records = new();

        public IEnumerable<(int EventId, string Text)> Records => _records;

        public IEnumerable<string> Texts => _records.Select(r => r.Text);

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var attributes = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                owner._records.Enqueue((eventId.Id, $"{formatter(state, exception)} {attributes} {exception}"));
            }
        }
    }
}
