using System.Net;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// The console's audit log (category <c>Axitech.Gateway.Console</c>): who signed in, who did what to which route and
/// deliveries. Names, roles, routes, filters, ids and counts only: never a body, a password, or a signature.
/// </summary>
internal sealed partial class ConsoleAudit
{
    /// <summary>Ids written out one by one up to this many; a larger action logs its count and filter.</summary>
    private const int MaxLoggedIds = 100;

    private readonly ILogger _logger;

    public ConsoleAudit(ILoggerFactory loggerFactory) => _logger = loggerFactory.CreateLogger("Axitech.Gateway.Console");

    public void SignedIn(string user, string role, IPAddress client) => Log.SignedIn(_logger, user, role, client);

    public void SignInRefused(IPAddress client, string? knownUser) => Log.SignInRefused(_logger, knownUser ?? "(not a configured user)", client);

    public void SignInThrottled(IPAddress client) => Log.SignInThrottled(_logger, client);

    public void SignedOut(string? user) => Log.SignedOut(_logger, user ?? "-");

    public void Replayed(string? user, IReadOnlyCollection<Guid> ids, IEnumerable<string> routes, int replayed)
        => Log.Replayed(
            _logger,
            user ?? "-",
            string.Join(",", routes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)),
            ids.Count,
            replayed,
            ids.Count <= MaxLoggedIds ? string.Join(",", ids) : $"({ids.Count} ids, not listed)");

    public void ReplayedDead(string? user, ConsoleDeliveryFilter filter, int replayed)
        => Log.ReplayedDead(_logger, user ?? "-", filter.Route ?? "*", filter.Error ?? "*", filter.From, filter.To, replayed);

    public void Held(string? user, string routeId, bool paused, bool changed)
        => Log.Held(_logger, user ?? "-", paused ? "paused" : "resumed", routeId, changed ? "changed" : "no change: it already was");

    public void Refused(string? user, string method, string path) => Log.Forbidden(_logger, user ?? "-", method, path);

    private static partial class Log
    {
        [LoggerMessage(10001, LogLevel.Information, "Console: {User} signed in as {Role} from {RemoteAddress}.")]
        public static partial void SignedIn(ILogger logger, string user, string role, IPAddress remoteAddress);

        [LoggerMessage(10002, LogLevel.Warning, "Console: sign-in refused for {User} from {RemoteAddress} (wrong name or password).")]
        public static partial void SignInRefused(ILogger logger, string user, IPAddress remoteAddress);

        [LoggerMessage(10003, LogLevel.Warning, "Console: sign-in from {RemoteAddress} throttled: too many failures within Gateway:FailureThrottling:Window.")]
        public static partial void SignInThrottled(ILogger logger, IPAddress remoteAddress);

        [LoggerMessage(10004, LogLevel.Information, "Console: {User} signed out.")]
        public static partial void SignedOut(ILogger logger, string user);

        [LoggerMessage(10005, LogLevel.Warning, "Console: {User} replayed deliveries of route {RouteId}: {Replayed} of {Selected} selected made pending again. Ids: {DeliveryIds}.")]
        public static partial void Replayed(ILogger logger, string user, string routeId, int selected, int replayed, string deliveryIds);

        [LoggerMessage(10006, LogLevel.Warning, "Console: {User} replayed every dead delivery matching route {RouteId}, error {Error}, received from {From} to {To}: {Replayed} made pending again.")]
        public static partial void ReplayedDead(ILogger logger, string user, string routeId, string error, DateTimeOffset? from, DateTimeOffset? to, int replayed);

        [LoggerMessage(10007, LogLevel.Warning, "Console: {User} was refused {Method} {Path} (the Operator role is needed).")]
        public static partial void Forbidden(ILogger logger, string user, string method, string path);

        [LoggerMessage(10008, LogLevel.Warning, "Console: {User} {Action} route {RouteId} ({Outcome}).")]
        public static partial void Held(ILogger logger, string user, string action, string routeId, string outcome);
    }
}
