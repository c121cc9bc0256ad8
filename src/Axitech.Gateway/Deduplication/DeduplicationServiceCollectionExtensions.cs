using Axitech.Gateway.Configuration;
using StackExchange.Redis;

namespace Axitech.Gateway.Deduplication;

internal static partial class DeduplicationServiceCollectionExtensions
{
    public const string RedisConnectionStringName = "Redis";

    /// <summary>
    /// Registers the duplicate store: Redis when <c>ConnectionStrings:Redis</c> is set, otherwise in memory (both read at
    /// start-up).
    /// </summary>
    public static IServiceCollection AddDeduplication(this IServiceCollection services, GatewaySnapshot snapshot)
    {
        var options = snapshot.Deduplication;
        if (snapshot.RedisConnectionString is not { } redis)
        {
            services.AddSingleton<IDeduplicationStore>(sp => new InMemoryDeduplicationStore(
                sp.GetRequiredService<TimeProvider>(), options.MaxEntries, sp.GetRequiredService<ILogger<InMemoryDeduplicationStore>>()));
        }
        else
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectRedis(redis));
            services.AddSingleton<IDeduplicationStore>(sp => ActivatorUtilities.CreateInstance<RedisDeduplicationStore>(sp, options.KeyPrefix));
        }

        services.AddSingleton<DeduplicationService>();
        return services;
    }

    private static ConnectionMultiplexer ConnectRedis(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);

        // Start even when Redis is down (deliveries are refused with 503 and /readyz says why), and reconnect in the
        // background. Short timeouts unless the connection string says otherwise: a webhook sender waits on us.
        options.AbortOnConnectFail = false;
        if (!connectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.ConnectTimeout = 2000;
        }

        if (!connectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.AsyncTimeout = 2000;
        }

        if (!connectionString.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            options.SyncTimeout = 2000;
        }

        return ConnectionMultiplexer.Connect(options);
    }
}
