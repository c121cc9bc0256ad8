namespace Axitech.Gateway.CommandTests;

/// <summary>
/// A real gateway process: the Development demo (route /webhooks/demo, the demo secret, the built-in echo upstream),
/// with its Public and Management endpoints on port 0 and the echo receiver moved to another port by command-line
/// overrides (<see cref="GatewayProcess"/> puts the endpoints there too), which is also what shows that configuration overrides still reach the gateway through the command-line
/// parser. The echo receiver's port is named in the demo's cluster before it starts, so it cannot be 0: it is a random
/// one, and another when it is taken (<see cref="PortCollision"/>).
/// </summary>
public sealed class GatewayProcessFixture : IAsyncLifetime
{
    public const string DemoSecret = "wh_sec_demo_only_not_a_real_secret";

    private GatewayProcess? _gateway;

    private GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public int PublicPort => Gateway.PublicPort;

    public int ManagementPort => Gateway.ManagementPort;

    public string DemoUrl => $"http://127.0.0.1:{PublicPort}/webhooks/demo";

    public string HealthUrl => $"http://127.0.0.1:{ManagementPort}/healthz";

    /// <summary>What the gateway wrote so far, for failure messages.</summary>
    public string Log => _gateway?.Output ?? string.Empty;

    public async ValueTask InitializeAsync()
        => _gateway = await PortCollision.RetryAsync(echoPort => GatewayProcess.StartAsync(
            configure: c => c.Clear(),
            arguments:
            [
                $"--Demo:EchoReceiverUrl=http://127.0.0.1:{echoPort}",
                $"--ReverseProxy:Clusters:demo-echo:Destinations:echo:Address=http://127.0.0.1:{echoPort}",
            ],
            environmentName: "Development",
            configDirectory: GatewayExecutable.ConfigDirectory));

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}
