using System.Globalization;
using System.Net;

namespace Axitech.Gateway.Telemetry;

/// <summary>
/// Logs refusals summarised per client, route and reason, so that a sender of forgeries does not set the log volume:
/// the first refusal of each in a window is logged at once, the rest are counted and logged as one line when the
/// window ends. At most <see cref="MaxTracked"/> combinations are told apart per window; refusals beyond them are
/// summarised per reason. The exact counts are in the metrics (<c>axitech_gateway_webhooks_total</c>), always.
/// </summary>
internal sealed partial class RejectionLog : IDisposable
{
    public const string Category = LogCategories.Rejections;
    public const int MaxTracked = 1000;

    private static readonly TimeSpan _window = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private Dictionary<(IPAddress Client, string Route, string Policy, string Reason), long> _suppressed = [];
    private Dictionary<string, long> _untracked = new(StringComparer.Ordinal);

    public RejectionLog(ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _logger = loggerFactory.CreateLogger(Category);
        _timer = timeProvider.CreateTimer(static state => ((RejectionLog)state!).Flush(), this, _window, _window);
    }

    public void Record(string route, string policy, string reason, IPAddress client, long bodyLength)
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        var key = (client, route, policy, reason);
        lock (_gate)
        {
            if (_suppressed.TryGetValue(key, out var count))
            {
                _suppressed[key] = count + 1;
                return;
            }

            if (_suppressed.Count >= MaxTracked)
            {
                _untracked[reason] = _untracked.GetValueOrDefault(reason) + 1;
                return;
            }

            _suppressed[key] = 0;
        }

        Log.Rejected(_logger, route, policy, reason, client, bodyLength);
    }

    /// <summary>Ends the window: one line for each combination refused again since its first line, one per reason beyond them.</summary>
    public void Flush()
    {
        Dictionary<(IPAddress Client, string Route, string Policy, string Reason), long> suppressed;
        Dictionary<string, long> untracked;
        lock (_gate)
        {
            (suppressed, _suppressed) = (_suppressed, []);
            (untracked, _untracked) = (_untracked, new Dictionary<string, long>(StringComparer.Ordinal));
        }

        var window = _window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        foreach (var ((client, route, policy, reason), count) in suppressed.Where(p => p.Value > 0))
        {
            Log.RejectedAgain(_logger, count, route, policy, reason, client, window);
        }

        foreach (var (reason, count) in untracked)
        {
            Log.RejectedUntracked(_logger, count, reason, window);
        }
    }

    public void Dispose() => _timer.Dispose();

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Warning, "Webhook rejected on route {Route} (policy {Policy}): {Reason}; remote {RemoteAddress}, body length {BodyLength}. Further refusals of this client for this reason are summarised once a minute.")]
        public static partial void Rejected(ILogger logger, string route, string policy, string reason, IPAddress remoteAddress, long bodyLength);

        [LoggerMessage(2008, LogLevel.Warning, "{Count} more webhooks rejected on route {Route} (policy {Policy}): {Reason}; remote {RemoteAddress}, in the last {WindowSeconds} s.")]
        public static partial void RejectedAgain(ILogger logger, long count, string route, string policy, string reason, IPAddress remoteAddress, string windowSeconds);

        [LoggerMessage(2009, LogLevel.Warning, "{Count} more webhooks rejected ({Reason}) in the last {WindowSeconds} s from clients beyond the 1000 logged one by one.")]
        public static partial void RejectedUntracked(ILogger logger, long count, string reason, string windowSeconds);
    }
}
