using Microsoft.Extensions.Logging.Abstractions;

namespace Axitech.Gateway.Queue;

/// <summary>Builds the store the configuration names: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise the SQLite file.</summary>
internal static class DeliveryStoreFactory
{
    /// <summary>
    /// The options bound from <c>Webhooks:Queue</c>. A value that does not convert (a duration that is not one) is an
    /// <see cref="InvalidOperationException"/> from the binder, naming the key.
    /// </summary>
    public static DeliveryQueueOptions BindOptions(IConfiguration configuration)
        => configuration.GetSection(DeliveryQueueOptions.SectionName).Get<DeliveryQueueOptions>() ?? new DeliveryQueueOptions();

    public static string? PostgresConnectionString(IConfiguration configuration)
        => configuration.GetConnectionString(QueueServiceCollectionExtensions.PostgresConnectionStringName) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>The store for <paramref name="options"/>; the caller validated them (<see cref="DeliveryQueueOptionsValidator.GetProblems"/>).</summary>
    public static SqlDeliveryStore Create(DeliveryQueueOptions options, string? postgresConnectionString, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        return postgresConnectionString is null
            ? new SqliteDeliveryStore(options, timeProvider, loggerFactory.CreateLogger<SqliteDeliveryStore>())
            : new PostgresDeliveryStore(postgresConnectionString, options, timeProvider, loggerFactory.CreateLogger<PostgresDeliveryStore>());
    }
}
