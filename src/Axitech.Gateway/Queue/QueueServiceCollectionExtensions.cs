using Axitech.Gateway.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Axitech.Gateway.Queue;

internal static class QueueServiceCollectionExtensions
{
    public const string PostgresConnectionStringName = "Postgres";
    public const string PostgresConnectionStringKey = "ConnectionStrings:Postgres";

    /// <summary>
    /// Registers the queue of the snapshot read at start-up (validated with the rest of it): its options, the
    /// <see cref="IDeliveryStore"/> (PostgreSQL when <c>ConnectionStrings:Postgres</c> is set, otherwise the SQLite file
    /// at <c>Webhooks:Queue:Path</c>), the acceptance stage and the workers. The store is created when first needed, so
    /// a gateway without queued routes creates no database. The workers deliver each queued route's deliveries
    /// (<see cref="DeliveryWorkers"/>); the monitor feeds the queue's gauges and purges the store (<see cref="QueueMonitor"/>).
    /// </summary>
    public static IServiceCollection AddDeliveryQueue(this IServiceCollection services, GatewaySnapshot snapshot)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(snapshot.Queue);
        services.AddSingleton<IDeliveryStore>(sp => DeliveryStoreFactory.Create(
            snapshot.Queue, snapshot.PostgresConnectionString, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<DeliverySignals>();
        services.AddSingleton<QueueAcceptor>();

        // The workers: YARP's client factory and proxy state come with AddReverseProxy.
        services.AddSingleton(new DeliveryRetryPolicy(snapshot.Queue.Retry));
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<DeliveryAttempts>();
        services.AddSingleton<DeliveryWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorkers>());
        services.AddHostedService<QueueMonitor>();
        return services;
    }
}
