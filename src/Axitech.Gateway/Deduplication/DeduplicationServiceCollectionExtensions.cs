using Axitech.Gateway.Configuration;
using StackExchange.Redis;

namespace Axitech.Gateway.Deduplication;

internal static partial class DeduplicationServiceCollectionExtensions
{
    public const string RedisConnectionStringName = "Redis";

    /// <summary>
    /// Registers the duplicate store: Redis when <c>ConnectionStrings:Redis</c> is set, otherwise in memory.
    /// </summary>
    public static IServiceCollection AddDeduplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeduplicationStoreOptions>()
            .BindConfiguration("Deduplication")
            .Validate(o => o.MaxEntries > 0, "Deduplication:MaxEntries must be positive (the default is 1000000).")
            .Validate(o => !string.IsNullOrEmpty(o.KeyPrefix), "Deduplication:KeyPrefix must not be empty (the default is 'axgw:').")
            .ValidateOnStart();

        var redis = configuration.GetConnectionString(RedisConnectionStringName);
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton<IDeduplicationStore>(sp => new InMemoryDeduplicationStore(
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeduplicationStoreOptions>>().Value.MaxEntries,
                sp.GetRequiredService<ILogger<InMemoryDeduplicationStore>>()));
        }
        else
        {
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectRedis(redis));
            services.AddSingleton<IDeduplicationStore>(sp => new RedisDeduplicationStore(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DeduplicationStoreOptions>>().Value.KeyPrefix,
                sp.GetRequiredService<ILogger<RedisDeduplicationStore>>()));
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
