namespace Axitech.Gateway.FunctionalTests.Hardening;

public sealed class BadInputTests : IClassFixture<HardenedGatewayFixture>
{
    private readonly HardenedGatewayFixture _fixture;

    public BadInputTests(HardenedGatewayFixture fixture) => _fixture = fixture;

    public static TheoryData<string> Cases() => new(BadInputCases.All.Keys);

    [Fact]
    public void TheTable_HasAtLeastFortyKinds() => Assert.True(BadInputCases.All.Count >= 40, $"{BadInputCases.All.Count} kinds.");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsRefusedWithItsStatus_NothingIsForwarded_AndTheGatewayStaysHealthy(string kind)
    {
        var row = BadInputCases.All[kind];
        _fixture.Gateway.Upstream.Clear();

        var observed = await row.SendAsync(_fixture);

        Assert.True(row.Expected == observed.Summary, $"{kind}: expected {row.Expected}, saw {observed.Summary} ({observed.Detail}).");
        Assert.True(observed.Status < 500, $"{kind}: the gateway answered {observed.Status} itself.");
        Assert.True(_fixture.Gateway.Upstream.Received.Count == 0, $"{kind}: {_fixture.Gateway.Upstream.Received.Count} request(s) reached the upstream.");
        await _fixture.AssertHealthyAndOnlyTheControlForwardedAsync(kind);
    }
}
