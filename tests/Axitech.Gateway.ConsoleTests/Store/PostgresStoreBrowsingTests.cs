using Axitech.Gateway.Queue;

namespace Axitech.Gateway.ConsoleTests.Store;

/// <summary>On a real PostgreSQL server, started for each test (a handful of seconds; the suite has three).</summary>
public sealed class PostgresStoreBrowsingTests : StoreBrowsingTests
{
    private PostgresServer? _server;
    private string _connectionString = string.Empty;

    public override async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        _connectionString = await _server.CreateSchemaAsync();
    }

    private protected override SqlDeliveryStore NewStore(DeliveryQueueOptions options) => new PostgresDeliveryStore(_connectionString, options, Time);

    protected override async ValueTask DisposeEngineAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
