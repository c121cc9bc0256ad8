using System.Globalization;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Checks <see cref="DeliveryQueueOptions"/> and says every problem at once, each naming the key to fix and how (for
/// <see cref="Configuration.GatewaySnapshotBuilder"/>). A message never carries a key's or a connection string's value.
/// </summary>
internal static class DeliveryQueueOptionsValidator
{
    private const string Section = DeliveryQueueOptions.SectionName;

    /// <summary>
    /// Every problem of <paramref name="options"/> (and of <paramref name="postgresConnectionString"/> when it is set),
    /// as human-readable messages; empty when the options are usable. Never throws.
    /// </summary>
    public static IReadOnlyList<string> GetProblems(DeliveryQueueOptions options, string? postgresConnectionString = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();

        if (string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            if (string.IsNullOrWhiteSpace(options.Path))
            {
                problems.Add($"{Section}:Path is empty: set it to the SQLite file to keep deliveries in (the default is data/queue.db), or set ConnectionStrings:Postgres.");
            }
        }
        else if (!IsConnectionString(postgresConnectionString))
        {
            problems.Add($"{QueueServiceCollectionExtensions.PostgresConnectionStringKey} is not a valid Npgsql connection string: write it as Host=...;Port=5432;Database=...;Username=...;Password=... .");
        }

        if (options.MaxConcurrency < 1)
        {
            problems.Add($"{Section}:MaxConcurrency is {options.MaxConcurrency.ToString(CultureInfo.InvariantCulture)}: set it to 1 or more (the default is 4).");
        }

        if (options.MaxPendingAcceptances < 1)
        {
            problems.Add($"{Section}:MaxPendingAcceptances is {options.MaxPendingAcceptances.ToString(CultureInfo.InvariantCulture)}: set it to 1 or more (the default is 1024).");
        }

        RequirePositive(problems, "AcceptTimeout", options.AcceptTimeout, "00:00:10");
        if (options.AcceptTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{Section}:AcceptTimeout is {Format(options.AcceptTimeout)}: set it to at most 00:05:00 (the default is 00:00:10); a sender waits this long at most for its 202.");
        }

        RequirePositive(problems, "Lease", options.Lease, "00:01:00");
        RequirePositive(problems, "PollInterval", options.PollInterval, "00:00:30");
        if (options.PollInterval > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:PollInterval is {Format(options.PollInterval)}: set it to at most 01:00:00 (the default is 00:00:30); it bounds how late a replay or another replica's acceptance is seen.");
        }
        RequirePositive(problems, "DeadRetention", options.DeadRetention, "14.00:00:00");

        var retry = options.Retry ?? new DeliveryRetryOptions();
        RequirePositive(problems, "Retry:InitialDelay", retry.InitialDelay, "00:00:01");
        RequirePositive(problems, "Retry:MaxDelay", retry.MaxDelay, "00:05:00");
        RequirePositive(problems, "Retry:MaxAge", retry.MaxAge, "3.00:00:00");
        if (retry.InitialDelay > TimeSpan.Zero && retry.MaxDelay > TimeSpan.Zero && retry.MaxDelay < retry.InitialDelay)
        {
            problems.Add($"{Section}:Retry:MaxDelay ({Format(retry.MaxDelay)}) is shorter than {Section}:Retry:InitialDelay ({Format(retry.InitialDelay)}): raise MaxDelay or lower InitialDelay.");
        }

        if (retry.MaxAttempts < 1)
        {
            problems.Add($"{Section}:Retry:MaxAttempts is {retry.MaxAttempts.ToString(CultureInfo.InvariantCulture)}: set it to 1 or more (the default is 25).");
        }

        var keys = options.EncryptionKeys ?? [];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = $"{Section}:EncryptionKeys:{i.ToString(CultureInfo.InvariantCulture)}";
            switch (BodyProtector.TryParseKey(keys[i], out var bytes))
            {
                case EncryptionKeyProblem.Empty:
                    problems.Add($"{key} is empty: remove it, or set it to the base64 of 32 random bytes (openssl rand -base64 32).");
                    break;
                case EncryptionKeyProblem.NotBase64:
                    problems.Add($"{key} is not base64: set it to the base64 of 32 random bytes (openssl rand -base64 32).");
                    break;
                case EncryptionKeyProblem.WrongLength:
                    problems.Add($"{key} decodes to {bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes, not 32: set it to the base64 of 32 random bytes (openssl rand -base64 32).");
                    break;
                default:
                    var id = BodyProtector.ComputeKeyId(bytes);
                    if (seen.TryGetValue(id, out var first))
                    {
                        problems.Add($"{key} is the same key as {Section}:EncryptionKeys:{first.ToString(CultureInfo.InvariantCulture)}: remove one of them.");
                    }
                    else
                    {
                        seen.Add(id, i);
                    }

                    break;
            }
        }

        return problems;
    }

    private static void RequirePositive(List<string> problems, string name, TimeSpan value, string defaultValue)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:{name} is {Format(value)}: set it to a positive duration (d.hh:mm:ss; the default is {defaultValue}).");
        }
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static bool IsConnectionString(string connectionString)
    {
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (InvalidCastException)
        {
            return false;
        }
    }
}
