using Axitech.Gateway.Queue;

namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary><see cref="OperatorActionTests"/> on a real PostgreSQL server (one per class, a schema per test).</summary>
public sealed class PostgresOperatorActionTests : OperatorActionTests, IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;
    private string _connectionString = null!;

    public PostgresOperatorActionTests(PostgresFixture fixture) => _fixture = fixture;

    public override async ValueTask InitializeAsync() => _connectionString = await (await _fixture.GetServerAsync()).CreateSchemaAsync();

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected override void UseStore(Dictionary<string, string?> configuration)
        => configuration["ConnectionStrings:Postgres"] = _connectionString;

    private protected override SqlDeliveryStore OpenOperatorStore()
        => DeliveryStoreFactory.Create(new DeliveryQueueOptions(), _connectionString, TimeProvider.System);
}
