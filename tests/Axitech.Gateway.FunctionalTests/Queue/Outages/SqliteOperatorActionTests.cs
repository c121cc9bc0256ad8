using Axitech.Gateway.Queue;

namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary><see cref="OperatorActionTests"/> on a SQLite file.</summary>
public sealed class SqliteOperatorActionTests : OperatorActionTests
{
    private readonly TemporaryDirectory _directory = new("axgw-operator-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override void UseStore(Dictionary<string, string?> configuration)
        => configuration["Webhooks:Queue:Path"] = DatabasePath;

    private protected override SqlDeliveryStore OpenOperatorStore()
        => DeliveryStoreFactory.Create(new DeliveryQueueOptions { Path = DatabasePath }, null, TimeProvider.System);
}
