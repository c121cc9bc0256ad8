using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Axitech.Gateway.Queue;

internal static class QueueServiceCollectionExtensions
{
    public const string PostgresConnectionStringName = "Postgres";
    public const string PostgresConnectionStringKey = "ConnectionStrings:Postgres";

    /// <summary>
    /// Registers <see cref="DeliveryQueueOptions"/> (bound from <c>Webhooks:Queue</c>, validated at start-up with every
    /// problem listed) and the <see cref="IDeliveryStore"/>: PostgreSQL when <c>ConnectionStrings:Postgres</c> is set,
    /// otherwise the SQLite file at <c>Webhooks:Queue:Path</c>. The store creates or migrates its schema on first use;
    /// call <see cref="IDeliveryStore.InitializeAsync"/> at start-up to do it then.
    /// </summary>
    public static IServiceCollection AddDeliveryQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DeliveryQueueOptions>().BindConfiguration(DeliveryQueueOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryQueueOptions>>(new DeliveryQueueOptionsValidator(configuration));
        services.AddSingleton<IDeliveryStore>(sp => DeliveryStoreFactory.Create(
            sp.GetRequiredService<IOptions<DeliveryQueueOptions>>().Value,
            DeliveryStoreFactory.PostgresConnectionString(configuration),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
