using System.CommandLine;
using System.Globalization;
using Axitech.Gateway.Configuration;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>deliveries routes|pause|resume</c>: the queued routes as the store sees them, and the operator's hold on one.
/// A pause is kept in the store, so every replica and a restart honour it; running gateways see it within 2 seconds.
/// </summary>
internal static class DeliveriesRouteCommands
{
    public static Command CreateRoutes()
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var command = new Command("routes", "Each queued route: its state (delivering, backing_off, paused), pending and dead deliveries, the oldest pending one's age, its pace and concurrency.");
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var configured = QueuedRoutes(configurationOptions, parseResult, out var options);
            await using var store = DeliveriesCommand.OpenStore(configurationOptions, parseResult);
            var stats = (await DeliveriesCommand.Guard(() => store.GetStatsAsync(cancellationToken)).ConfigureAwait(false)).ToDictionary(s => s.RouteId, StringComparer.OrdinalIgnoreCase);
            var now = TimeProvider.System.GetUtcNow();
            var states = await DeliveriesCommand.Guard(() => StoredRouteStates.ReadAsync(store, options, now, cancellationToken)).ConfigureAwait(false);

            var names = configured.Keys.Concat(stats.Keys).Concat(states.Paused).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                await output.Out.WriteLineAsync("No queued routes.").ConfigureAwait(false);
                return CommandAction.Success;
            }

            string[] header = ["ROUTE", "STATE", "PENDING", "DEAD", "OLDEST PENDING", "RATE", "CONCURRENCY"];
            var rows = names.Select(name =>
            {
                var stat = stats.GetValueOrDefault(name);
                var route = configured.GetValueOrDefault(name);
                var (state, since) = states.Of(name);
                state = since is { } backingOffSince ? $"{state} ({Age(now - backingOffSince)})" : state;
                return new[]
                {
                    name + (route is null ? " (not queued)" : string.Empty),
                    state,
                    (stat?.Pending ?? 0).ToString(CultureInfo.InvariantCulture),
                    (stat?.Dead ?? 0).ToString(CultureInfo.InvariantCulture),
                    stat?.OldestPendingReceivedAt is { } oldest ? Age(now - oldest) : "-",
                    route?.DeliveryRate is { } rate ? $"{rate.ToString(CultureInfo.InvariantCulture)}/s" : "unlimited",
                    (route?.DeliveryConcurrency ?? options.MaxConcurrency).ToString(CultureInfo.InvariantCulture),
                };
            }).ToList();
            var widths = Enumerable.Range(0, header.Length).Select(i => Math.Max(header[i].Length, rows.Max(r => r[i].Length))).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                await output.Out.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
            }

            return CommandAction.Success;
        });
        return command;
    }

    public static Command CreatePause() => CreateHold(pause: true);

    public static Command CreateResume() => CreateHold(pause: false);

    private static Command CreateHold(bool pause)
    {
        var configurationOptions = new GatewayConfigurationOptions();
        var route = new Option<string>("--route") { Description = pause ? "The route to pause." : "The route to resume.", HelpName = "ROUTE", Required = true };
        var command = pause
            ? new Command("pause", "Hold a queued route's deliveries: it still accepts (202) and attempts nothing, on every replica and after a restart, until resume.") { route }
            : new Command("resume", "Deliver a paused route's deliveries again (within 2 seconds on running gateways), oldest first.") { route };
        configurationOptions.AddTo(command);
        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var routeId = parseResult.GetValue(route)!;
            var configured = QueuedRoutes(configurationOptions, parseResult, out _);
            await using var store = DeliveriesCommand.OpenStore(configurationOptions, parseResult);
            if (!configured.ContainsKey(routeId))
            {
                // Resuming a route that no longer queues must stay possible (a pause outlives a reload); pausing one is a typo.
                var known = (await DeliveriesCommand.Guard(() => store.GetPausedAsync(cancellationToken)).ConfigureAwait(false)).Any(p => string.Equals(p.RouteId, routeId, StringComparison.OrdinalIgnoreCase));
                if (pause || !known)
                {
                    throw new CommandException($"Route '{routeId}' is not a queued route of this configuration ({(configured.Count == 0 ? "none is queued" : string.Join(", ", configured.Keys.Order(StringComparer.Ordinal)))}).");
                }
            }

            var name = configured.Keys.FirstOrDefault(k => string.Equals(k, routeId, StringComparison.OrdinalIgnoreCase)) ?? routeId;
            var changed = await DeliveriesCommand.Guard(() => store.SetPausedAsync(name, pause, cancellationToken)).ConfigureAwait(false);
            await output.Out.WriteLineAsync(pause
                ? changed ? $"Paused route {name}: it accepts and attempts nothing until deliveries resume --route {name}." : $"Route {name} was already paused."
                : changed ? $"Resumed route {name}: its pending deliveries are attempted again, oldest first." : $"Route {name} was not paused.").ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    /// <summary>The queued routes of the configuration, with their pace; the queue's options.</summary>
    private static Dictionary<string, WebhookRoute> QueuedRoutes(GatewayConfigurationOptions configurationOptions, ParseResult parseResult, out DeliveryQueueOptions options)
    {
        using var loaded = configurationOptions.Load(parseResult);
        var snapshot = GatewaySnapshotBuilder.Build(loaded.Configuration, loaded.EnvironmentName);
        options = snapshot.Queue;
        return snapshot.Routes.Values.Where(r => r.Delivery == WebhookDeliveryMode.Queue).ToDictionary(r => r.RouteId, StringComparer.OrdinalIgnoreCase);
    }

    private static string Age(TimeSpan age)
        => age < TimeSpan.Zero ? "0s"
            : age.TotalDays >= 1 ? $"{(int)age.TotalDays}d{age.Hours}h"
            : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes}m"
            : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m{age.Seconds}s"
            : $"{(int)age.TotalSeconds}s";
}
