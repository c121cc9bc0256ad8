namespace Axitech.Gateway.FunctionalTests.Queue.Stalls;

/// <summary><see cref="AcceptanceStallTests"/> on a SQLite file whose write lock another connection holds.</summary>
public sealed class SqliteAcceptanceStallTests : AcceptanceStallTests
{
    private readonly TemporaryDirectory _directory = new("axgw-stall-");

    private string DatabasePath => Path.Combine(_directory.Path, "queue.db");

    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override void UseStore(Dictionary<string, string?> configuration)
        => configuration["Webhooks:Queue:Path"] = DatabasePath;

    protected override Task<IAsyncDisposable> StallAsync() => DatabaseStalls.LockSqliteAsync(DatabasePath);
}
