namespace Axitech.Gateway.FunctionalTests.Queue.Stalls;

/// <summary><see cref="AcceptanceStallTests"/> on a real PostgreSQL server whose backends are paused with SIGSTOP.</summary>
public sealed class PostgresAcceptanceStallTests : AcceptanceStallTests, IClassFixture<PostgresFixture>
{
    private readonly PostgresFixture _fixture;
    private string _connectionString = null!;

    public PostgresAcceptanceStallTests(PostgresFixture fixture) => _fixture = fixture;

    public override async ValueTask InitializeAsync() => _connectionString = await (await _fixture.GetServerAsync()).CreateSchemaAsync();

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected override void UseStore(Dictionary<string, string?> configuration)
        => configuration["ConnectionStrings:Postgres"] = _connectionString;

    protected override Task<IAsyncDisposable> StallAsync() => DatabaseStalls.PausePostgresBackendsAsync(_connectionString);
}
