using Axitech.Gateway.Queue;

namespace Axitech.Gateway.ConsoleTests.Store;

public sealed class SqliteStoreBrowsingTests : StoreBrowsingTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("axgw-console-store-").FullName;

    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

    private protected override SqlDeliveryStore NewStore(DeliveryQueueOptions options)
        => new SqliteDeliveryStore(options with { Path = Path.Combine(_directory, "queue.db") }, Time);

    protected override ValueTask DisposeEngineAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
