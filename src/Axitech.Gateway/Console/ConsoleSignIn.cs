using System.Collections.Frozen;
using System.Net;
using System.Security.Claims;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Verification;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// Checks a console sign-in: the client's failures are throttled by the gateway's <see cref="FailureThrottle"/> under
/// the same <c>Gateway:FailureThrottling</c> settings as failed webhook signatures (a limiter of its own, so that
/// failed sign-ins and failed webhooks do not spend each other's permits), and the throttle is asked before bcrypt runs,
/// so a client out of permits costs no hashing.
/// </summary>
internal sealed class ConsoleSignIn : IDisposable
{
    private readonly FrozenDictionary<string, ConsoleUserOptions> _users;
    private readonly FailureThrottle _throttle;
    private readonly ConsoleAudit _audit;

    public ConsoleSignIn(GatewaySnapshotSource snapshots, ConsoleAudit audit)
    {
        // Gateway:* is read at start-up only, as the rest of the section.
        var gateway = snapshots.Current.Gateway;
        _users = gateway.Console.Users.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _throttle = new FailureThrottle(gateway.FailureThrottling);
        _audit = audit;
    }

    /// <summary>The Retry-After of a throttled sign-in.</summary>
    public string RetryAfterSeconds => _throttle.RetryAfterSeconds;

    /// <summary>Checks <paramref name="name"/> and <paramref name="password"/>; the principal to sign in when they match.</summary>
    public SignInOutcome Check(IPAddress client, string? name, string? password, out ClaimsPrincipal? principal)
    {
        principal = null;
        if (!_throttle.TryEnter(client, out var counted))
        {
            _audit.SignInThrottled(client);
            return SignInOutcome.Throttled;
        }

        try
        {
            return CheckEntered(client, name, password, out principal);
        }
        finally
        {
            if (counted)
            {
                _throttle.Leave(client);
            }
        }
    }

    private SignInOutcome CheckEntered(IPAddress client, string? name, string? password, out ClaimsPrincipal? principal)
    {
        principal = null;

        var user = name is not null && _users.TryGetValue(name, out var found) ? found : null;
        if (!ConsolePasswords.Verify(password ?? string.Empty, user?.PasswordHash) || user is null)
        {
            _throttle.RecordFailure(client);

            // The name is logged only when it is a user's: a password typed into the name field must not reach the log.
            _audit.SignInRefused(client, user is null ? null : _users.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)));
            return SignInOutcome.Refused;
        }

        var userName = _users.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, userName), new Claim(ClaimTypes.Role, user.Role)],
            ConsoleServiceCollectionExtensions.Scheme,
            ClaimTypes.Name,
            ClaimTypes.Role));
        _audit.SignedIn(userName, user.Role, client);
        return SignInOutcome.SignedIn;
    }

    public void Dispose() => _throttle.Dispose();
}
