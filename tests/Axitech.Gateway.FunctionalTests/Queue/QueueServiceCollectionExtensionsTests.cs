using System.Security.Cryptography;
using Axitech.Gateway.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Axitech.Gateway.Configuration;

namespace Axitech.Gateway.FunctionalTests.Queue;

public sealed class QueueServiceCollectionExtensionsTests
{
    [Fact]
    public async Task WithoutPostgres_TheSqliteStoreIsRegistered_WithTheBoundOptions()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var path = Path.Combine(Path.GetTempPath(), $"axgw-di-{Guid.NewGuid():N}", "queue.db");
        await using var services = Build(new()
        {
            ["Webhooks:Queue:Path"] = path,
            ["Webhooks:Queue:MaxConcurrency"] = "7",
            ["Webhooks:Queue:Lease"] = "00:00:30",
            ["Webhooks:Queue:EncryptionKeys:0"] = key,
            ["Webhooks:Queue:Retry:MaxAttempts"] = "3",
        });

        var options = services.GetRequiredService<DeliveryQueueOptions>();
        var store = Assert.IsType<SqliteDeliveryStore>(services.GetRequiredService<IDeliveryStore>());

        Assert.Equal(path, store.FilePath);
        Assert.Equal(7, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Lease);
        Assert.Equal([key], options.EncryptionKeys);
        Assert.Equal(3, options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Retry.MaxDelay);
        Assert.False(File.Exists(path)); // nothing is created before the store is first used
    }

    [Fact]
    public async Task WithPostgres_ThePostgresStoreIsRegistered()
    {
        await using var services = Build(new() { ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=gateway;Username=gw" });

        Assert.IsType<PostgresDeliveryStore>(services.GetRequiredService<IDeliveryStore>());
    }

    [Fact]
    public void InvalidOptions_AreInTheSnapshotsProblems_Every_One()
    {
        var snapshot = Snapshot(new() { ["Webhooks:Queue:MaxConcurrency"] = "0", ["Webhooks:Queue:EncryptionKeys:0"] = "c2hvcnQ=" });

        Assert.Contains("Webhooks:Queue:MaxConcurrency is 0: set it to 1 or more (the default is 4).", snapshot.Errors);
        Assert.Contains("Webhooks:Queue:EncryptionKeys:0 decodes to 5 bytes, not 32: set it to the base64 of 32 random bytes (openssl rand -base64 32).", snapshot.Errors);
        Assert.DoesNotContain(snapshot.Errors, e => e.Contains("c2hvcnQ=", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(Dictionary<string, string?> values)
    {
        var snapshot = Snapshot(values);
        Assert.Empty(snapshot.Errors);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDeliveryQueue(snapshot);
        return services.BuildServiceProvider();
    }

    /// <summary>The configuration as the gateway reads it: over the embedded defaults.</summary>
    private static GatewaySnapshot Snapshot(Dictionary<string, string?> values)
        => GatewaySnapshotBuilder.Build(new ConfigurationBuilder().AddInMemoryCollection(GatewayDefaults.Values).AddInMemoryCollection(values).Build(), "Production");
}
