using System.Net;

namespace Axitech.Gateway.FunctionalTests.Listeners;

public sealed class ListenerTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task ManagementPaths_AnswerOnManagement_And404OnPublic(string path)
    {
        using var onManagement = await _gateway.Management.GetAsync(path);
        using var onPublic = await _gateway.Client.GetAsync(path);
        using var onPublicWithManagementHost = new HttpRequestMessage(HttpMethod.Get, path);
        onPublicWithManagementHost.Headers.Host = $"127.0.0.1:{_gateway.ManagementPort}";
        using var spoofed = await _gateway.Client.SendAsync(onPublicWithManagementHost);

        Assert.Equal(HttpStatusCode.OK, onManagement.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, spoofed.StatusCode);
    }

    [Fact]
    public async Task WebhookRoutes_AreNotServedOnManagement()
    {
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/events");

        using var response = await _gateway.Management.SendAsync(delivery.ToHttpRequest(_gateway.ManagementPort));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_gateway.Upstream.Received);
    }

    [Fact]
    public async Task Readyz_ListsEachCheckAsJson()
    {
        using var response = await _gateway.Management.GetAsync("/readyz");
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"configuration\"", json, StringComparison.Ordinal);
        Assert.Contains("\"deduplication-store\"", json, StringComparison.Ordinal);
        Assert.Contains("\"destinations\"", json, StringComparison.Ordinal);
    }
}
