namespace Axitech.Gateway.FunctionalTests.Queue.Outages;

/// <summary><see cref="RouteOutageTests"/> on a SQLite file.</summary>
public sealed class SqliteRouteOutageTests : RouteOutageTests
{
    private readonly TemporaryDirectory _directory = new("axgw-outage-");

    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public override ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    protected override void UseStore(Dictionary<string, string?> configuration)
        => configuration["Webhooks:Queue:Path"] = Path.Combine(_directory.Path, "queue.db");
}
