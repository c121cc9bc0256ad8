namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// Checks <c>Gateway:Console</c> with the rest of the snapshot (start-up, reload, <c>check-config</c>): a user without a
/// readable bcrypt hash or with an unknown role is refused, never skipped.
/// </summary>
internal static class ConsoleOptionsValidator
{
    public static void Validate(ConsoleOptions options, List<string> errors, List<string> warnings)
    {
        if (options.SessionTimeout <= TimeSpan.Zero)
        {
            errors.Add("Gateway:Console:SessionTimeout must be positive (the default is 08:00:00).");
        }

        foreach (var (name, user) in options.Users)
        {
            var key = $"Gateway:Console:Users:{name}";
            if (string.IsNullOrWhiteSpace(user.PasswordHash))
            {
                errors.Add($"{key}:PasswordHash is not set. Set it to a bcrypt hash: printf '%s' \"$password\" | dotnet Axitech.Gateway.dll hash-password, or htpasswd -nbB {name} password (the part after '{name}:').");
            }
            else if (ConsolePasswords.Cost(user.PasswordHash) is not { } cost)
            {
                var hint = user.PasswordHash.Contains(':', StringComparison.Ordinal)
                    ? $" It looks like a whole htpasswd line: keep only the part after '{name}:'."
                    : string.Empty;
                errors.Add($"{key}:PasswordHash is not a bcrypt hash ($2y$, $2b$ or $2a$, a cost, then 53 characters).{hint} Make one with dotnet Axitech.Gateway.dll hash-password or htpasswd -nbB.");
            }
            else if (cost < ConsolePasswords.RecommendedMinimumCost)
            {
                warnings.Add($"{key}:PasswordHash has bcrypt cost {cost}; {ConsolePasswords.RecommendedMinimumCost} or more is recommended (hash-password uses {ConsolePasswords.WorkFactor}; htpasswd -nbB -C {ConsolePasswords.WorkFactor}).");
            }

            if (!string.Equals(user.Role, ConsoleRoles.Viewer, StringComparison.Ordinal) && !string.Equals(user.Role, ConsoleRoles.Operator, StringComparison.Ordinal))
            {
                errors.Add($"{key}:Role is '{user.Role}'; it must be {ConsoleRoles.Viewer} (the default: sees everything, changes nothing) or {ConsoleRoles.Operator} (may also replay).");
            }
        }
    }
}
