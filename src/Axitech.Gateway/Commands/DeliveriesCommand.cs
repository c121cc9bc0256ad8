using System.CommandLine;
using System.Globalization;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>deliveries list|show|replay|purge|routes|pause|resume</c>: the operator's view of the durable delivery queue of the configuration the
/// gateway would load. Safe while the gateway runs: SQLite in WAL mode lets a second process read and write (each waits
/// for the other's write lock), and on PostgreSQL the command is one more client. Only <c>show --body</c> prints a body;
/// nothing prints a signature or an encryption key.
/// </summary>
internal static class DeliveriesCommand
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss'Z'";

    public static Command Create()
    {
        var command = new Command("deliveries", "List, show, replay and purge the deliveries in the gateway's durable queue; see, pause and resume its queued routes (Webhooks:Queue:Path, or ConnectionStrings:Postgres). Safe while the gateway runs.");
        command.Add(CreateList());
        command.Add(CreateShow());
        command.Add(CreateReplay());
        command.Add(CreatePurge());
        command.Add(DeliveriesRouteCommands.CreateRoutes());
        command.Add(DeliveriesRouteCommands.CreatePause());
        command.Add(DeliveriesRouteCommands.CreateResume());
        return command;
    }

    private static Command CreateList()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var route = new Option<string>("--route") { Description = "Only deliveries of this route.", HelpName = "ROUTE" };
        var state = new Option<string>("--state") { Description = "Only deliveries in this state.", HelpName = "STATE" };
        state.AcceptOnlyFromAmong(DeliveryStates.Pending, DeliveryStates.Dead, DeliveryStates.Delivered);
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first.", HelpName = "N", DefaultValueFactory = _ => 50 };

        var command = new Command("list", "A table of deliveries, newest first: id, route, state, attempts, received, next attempt, last status or error. Never the body.") { route, state, limit };
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var max = parseResult.GetValue(limit);
            if (max < 1)
            {
                throw new CommandException($"--limit must be 1 or more, not {max.ToString(CultureInfo.InvariantCulture)}.");
            }

            var query = new DeliveryQuery
            {
                RouteId = parseResult.GetValue(route),
                State = parseResult.GetValue(state) is { } name ? DeliveryStates.Parse(name) : null,
                Limit = max,
            };
            await using var store = OpenStore(configurationOptions, parseResult);
            var deliveries = await Guard(() => store.ListAsync(query, cancellationToken)).ConfigureAwait(false);
            if (deliveries.Count == 0)
            {
                await output.Out.WriteLineAsync("No deliveries.").ConfigureAwait(false);
                return CommandAction.Success;
            }

            var now = TimeProvider.System.GetUtcNow();
            string[] header = ["ID", "ROUTE", "STATE", "ATTEMPTS", "RECEIVED", "NEXT ATTEMPT", "LAST"];
            var rows = deliveries.Select(d => new[]
            {
                d.Id.ToString("D"),
                d.RouteId,
                d.State == DeliveryState.Pending && d.LeasedUntil > now ? "pending (leased)" : d.State.ToName(),
                d.Attempts.ToString(CultureInfo.InvariantCulture),
                Format(d.ReceivedAt),
                d.State == DeliveryState.Pending ? Format(d.NextAttemptAt) : "-",
                d.LastError ?? d.LastStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-",
            }).ToList();
            var widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length) is var w && w > header[i].Length ? w : header[i].Length).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                await output.Out.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
            }

            return CommandAction.Success;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var id = new Argument<string>("id") { Description = "The delivery's id, as list shows it." };
        var body = new Option<bool>("--body") { Description = "Write the body (decrypted) to stdout exactly as received, and nothing else." };

        var command = new Command("show", "The details of one delivery (never its signature); with --body, its body's bytes instead.") { id, body };
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var deliveryId = ParseId(parseResult.GetValue(id)!);
            var withBody = parseResult.GetValue(body);
            await using var store = OpenStore(configurationOptions, parseResult);
            var delivery = await Guard(() => store.GetAsync(deliveryId, withBody, cancellationToken)).ConfigureAwait(false)
                ?? throw new CommandException($"There is no delivery {deliveryId:D}.");

            if (withBody)
            {
                if (delivery.Body is not { } bytes)
                {
                    throw new CommandException(delivery.BodyError ?? "The body cannot be read.");
                }

                await WriteBytesAsync(output.Out, bytes, cancellationToken).ConfigureAwait(false);
                return CommandAction.Success;
            }

            (string Name, string Value)[] lines =
            [
                ("id", delivery.Id.ToString("D")),
                ("route", delivery.RouteId),
                ("state", delivery.State.ToName()),
                ("method", delivery.Method),
                ("target", delivery.RawTarget),
                ("content type", delivery.ContentType ?? "-"),
                ("body", delivery.BodyEncrypted ? "encrypted at rest (show --body prints it)" : "in the clear (show --body prints it)"),
                ("timestamp", delivery.Timestamp),
                ("dedup key", delivery.DedupKey is null ? "none (always stored)" : "set"),
                ("received", Format(delivery.ReceivedAt)),
                ("attempts", delivery.Attempts.ToString(CultureInfo.InvariantCulture)),
                ("next attempt", delivery.State == DeliveryState.Pending ? Format(delivery.NextAttemptAt) : "-"),
                ("leased", delivery.LeaseOwner is null ? "-" : $"by {delivery.LeaseOwner} until {Format(delivery.LeasedUntil!.Value)}"),
                ("last status", delivery.LastStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-"),
                ("last error", delivery.LastError ?? "-"),
                ("delivered", delivery.DeliveredAt is { } delivered ? Format(delivered) : "-"),
                ("dead", delivery.DeadAt is { } dead ? Format(dead) : "-"),
                ("kept for duplicates until", Format(delivery.DedupExpiresAt)),
            ];
            foreach (var (name, value) in lines)
            {
                await output.Out.WriteLineAsync($"{name + ":",-27}{value}").ConfigureAwait(false);
            }

            return CommandAction.Success;
        });
        return command;
    }

    private static Command CreateReplay()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var ids = new Argument<string[]>("id") { Description = "The deliveries to replay.", Arity = ArgumentArity.ZeroOrMore };
        var dead = new Option<bool>("--dead") { Description = "Replay dead-lettered deliveries: all, or those --route, --since, --until and --error select." };
        var route = new Option<string>("--route") { Description = "With --dead: only this route's.", HelpName = "ROUTE" };
        var since = new Option<string>("--since") { Description = "With --dead: only those dead-lettered at or after this time (ISO 8601, such as 2026-12-08T03:00:00Z).", HelpName = "TIME" };
        var until = new Option<string>("--until") { Description = "With --dead: only those dead-lettered before this time (ISO 8601).", HelpName = "TIME" };
        var error = new Option<string>("--error") { Description = "With --dead: only those dead-lettered for this reason (status_400, max_age, max_attempts ...).", HelpName = "CODE" };

        var command = new Command("replay", "Make deliveries pending again, due now, attempts reset to 0: the given ids, or the dead ones with --dead (narrowed by --route, --since, --until, --error). Running gateways attempt them within 2 seconds. Prints how many.") { ids, dead, route, since, until, error };
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var given = parseResult.GetValue(ids) ?? [];
            var allDead = parseResult.GetValue(dead);
            if (given.Length > 0 == allDead)
            {
                throw new CommandException("Give the ids to replay, or --dead (not both).");
            }

            var filter = new DeadReplayFilter
            {
                RouteId = parseResult.GetValue(route),
                Since = ParseTime(parseResult.GetValue(since), "--since"),
                Until = ParseTime(parseResult.GetValue(until), "--until"),
                Error = parseResult.GetValue(error),
            };
            if (!allDead && (filter.RouteId is not null || filter.Since is not null || filter.Until is not null || filter.Error is not null))
            {
                throw new CommandException("--route, --since, --until and --error go with --dead.");
            }

            if (filter.Error is { } code && !DeliveryErrors.IsValid(code))
            {
                throw new CommandException($"--error '{code}' is not an error code: codes are lower-case letters, digits and '_', such as status_400 or max_age (list shows them).");
            }

            if (filter.Since >= filter.Until)
            {
                throw new CommandException("--since must be before --until.");
            }

            var parsed = given.Select(ParseId).Distinct().ToList();
            await using var store = OpenStore(configurationOptions, parseResult);
            if (allDead)
            {
                var count = await Guard(() => store.ReplayDeadAsync(filter, cancellationToken)).ConfigureAwait(false);
                await output.Out.WriteLineAsync($"Replayed {Deliveries(count)}.").ConfigureAwait(false);
                return CommandAction.Success;
            }

            var unknown = new List<Guid>();
            foreach (var deliveryId in parsed)
            {
                if (await Guard(() => store.GetAsync(deliveryId, includeBody: false, cancellationToken)).ConfigureAwait(false) is null)
                {
                    unknown.Add(deliveryId);
                }
            }

            if (unknown.Count > 0)
            {
                throw new CommandException($"There is no delivery {string.Join(", ", unknown.Select(u => u.ToString("D")))}; nothing was replayed.");
            }

            var replayed = await Guard(() => store.ReplayAsync(parsed, cancellationToken)).ConfigureAwait(false);
            var leased = parsed.Count - replayed;
            await output.Out.WriteLineAsync($"Replayed {Deliveries(replayed)}.{(leased > 0 ? $" {Deliveries(leased)} under an attempt right now (leased) were left alone." : string.Empty)}").ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    private static Command CreatePurge()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var dead = new Option<bool>("--dead") { Description = "Delete dead-lettered deliveries (the only kind purge deletes; say so explicitly)." };
        var olderThan = new Option<string>("--older-than") { Description = "Only those dead for at least this long, as d.hh:mm:ss (7.00:00:00 is a week).", HelpName = "D" };

        var command = new Command("purge", "Delete dead-lettered deliveries, all or those older than D. Prints how many.") { dead, olderThan };
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            if (!parseResult.GetValue(dead))
            {
                throw new CommandException("purge deletes dead-lettered deliveries only: give --dead.");
            }

            TimeSpan? age = null;
            if (parseResult.GetValue(olderThan) is { } text)
            {
                age = TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed >= TimeSpan.Zero
                    ? parsed
                    : throw new CommandException($"--older-than '{text}' is not a duration: write it as d.hh:mm:ss, such as 7.00:00:00.");
            }

            await using var store = OpenStore(configurationOptions, parseResult);
            var purged = await Guard(() => store.PurgeDeadAsync(age, cancellationToken)).ConfigureAwait(false);
            await output.Out.WriteLineAsync($"Purged {Deliveries(purged)}{(age is { } a ? $" dead for at least {a.ToString("c", CultureInfo.InvariantCulture)}" : " (every dead one)")}.").ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    /// <summary>The store the gateway would use; a bad configuration or a missing SQLite file is a <see cref="CommandException"/>.</summary>
    internal static SqlDeliveryStore OpenStore(GatewayConfigurationOptions configurationOptions, ParseResult parseResult)
    {
        DeliveryQueueOptions options;
        string? postgres;
        using (var loaded = configurationOptions.Load(parseResult))
        {
            try
            {
                options = DeliveryStoreFactory.BindOptions(loaded.Configuration);
            }
            catch (InvalidOperationException ex)
            {
                throw new CommandException($"{OneLine(ex.Message)} Fix it under {DeliveryQueueOptions.SectionName}.", ex);
            }

            postgres = DeliveryStoreFactory.PostgresConnectionString(loaded.Configuration);
        }

        var problems = DeliveryQueueOptionsValidator.GetProblems(options, postgres);
        if (problems.Count > 0)
        {
            throw new CommandException(string.Join(" ", problems));
        }

        // Opening a SQLite file that is not there would create an empty queue: say where the command looked instead.
        if (postgres is null && !File.Exists(Path.GetFullPath(options.Path)))
        {
            throw new CommandException($"There is no delivery queue at {Path.GetFullPath(options.Path)}: set {DeliveryQueueOptions.SectionName}:Path as the gateway has it (a relative path is resolved against the working directory), or use --config-dir.");
        }

        return DeliveryStoreFactory.Create(options, postgres, TimeProvider.System);
    }

    internal static async Task<T> Guard<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (DeliveryStoreUnavailableException ex)
        {
            throw new CommandException(OneLine(ex.Message), ex);
        }
    }

    private static DateTimeOffset? ParseTime(string? value, string option)
        => value is null
            ? null
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw new CommandException($"{option} '{value}' is not a time: write it as ISO 8601, such as 2026-12-08T03:00:00Z.");

    private static Guid ParseId(string value)
        => Guid.TryParse(value, out var id)
            ? id
            : throw new CommandException($"'{value}' is not a delivery id: give the id as list shows it (such as 0197a4c2-5e1b-7c3d-9f00-0123456789ab).");

    /// <summary>The bytes as they are: through the writer's stream when it has one, else straight to the process's stdout.</summary>
    private static async Task WriteBytesAsync(TextWriter writer, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (writer is StreamWriter { BaseStream: var stream })
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var stdout = Console.OpenStandardOutput();
        await using (stdout.ConfigureAwait(false))
        {
            await stdout.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    internal static string Deliveries(int count) => $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? "delivery" : "deliveries")}";

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
