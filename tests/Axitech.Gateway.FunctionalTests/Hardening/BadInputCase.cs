namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>One row of the bad-input table: how to send it, and what the client must see (an <see cref="Observation.Summary"/>).</summary>
public sealed record BadInputCase(string Expected, Func<HardenedGatewayFixture, Task<Observation>> SendAsync);
