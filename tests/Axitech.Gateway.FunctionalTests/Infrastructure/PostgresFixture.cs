namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// One PostgreSQL server shared by a test class, started by the first test that asks for it (so that a missing
/// PostgreSQL skips, or under CI fails, that test rather than breaking the fixture) and stopped with the class.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresServer? _server;

    public async Task<PostgresServer> GetServerAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _server ??= await PostgresServer.StartAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _gate.Dispose();
    }
}
