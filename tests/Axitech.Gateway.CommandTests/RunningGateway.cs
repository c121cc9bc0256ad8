namespace Axitech.Gateway.CommandTests;

/// <summary>The tests that need a running gateway share one process.</summary>
[CollectionDefinition(Name)]
public sealed class RunningGateway : ICollectionFixture<GatewayProcessFixture>
{
    public const string Name = "running gateway";
}
