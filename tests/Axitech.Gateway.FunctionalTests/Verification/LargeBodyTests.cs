using System.Net;

namespace Axitech.Gateway.FunctionalTests.Verification;

/// <summary>
/// Bodies beyond the largest pooled body buffer (2 MiB), which a policy may allow: their buffers are allocated and
/// dropped instead of pooled, and the pool keeps serving the requests after them.
/// </summary>
public sealed class LargeBodyTests : IAsyncLifetime
{
    private const int FourMebibytes = 4 * 1024 * 1024;
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync()
        => _gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = FourMebibytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyLargerThanThePooledBuffers_IsForwardedByteIdentical_AndSmallOnesStillAreAfterIt(bool chunked)
    {
        var body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(body);
        var large = SignedRequest.Create(TestGateway.ClaimsPath + "/large", body);
        var small = SignedRequest.Create(TestGateway.ClaimsPath + "/small");

        using var largeResponse = await _gateway.SendAsync(large, chunked);
        using var smallResponse = await _gateway.SendAsync(small, chunked);

        Assert.Equal(HttpStatusCode.OK, largeResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, smallResponse.StatusCode);
        Assert.Collection(
            _gateway.Upstream.Received,
            received => Assert.Equal(body, received.Body),
            received => Assert.Equal(small.Body, received.Body));
    }
}
