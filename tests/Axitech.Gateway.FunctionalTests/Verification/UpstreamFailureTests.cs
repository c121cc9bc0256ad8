using System.Net;

namespace Axitech.Gateway.FunctionalTests.Verification;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamUnreachable_Is502_AndTheRetryIsForwardedOnceItIsBack()
    {
        await using var gateway = await TestGateway.StartAsync();
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        await gateway.Upstream.StopAsync();

        using var down = await gateway.SendAsync(delivery);
        await gateway.Upstream.RestartAsync();
        using var retry = await gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.BadGateway, down.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(delivery.Body, Assert.Single(gateway.Upstream.Received).Body);
    }

    [Fact]
    public async Task UpstreamSlowerThanTheActivityTimeout_Is504_AndTheClaimIsReleased()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["ReverseProxy:Clusters:upstream:HttpRequest:ActivityTimeout"] = "00:00:01");
        var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        gateway.Upstream.Respond = async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            context.Response.StatusCode = 200;
        };

        using var slow = await gateway.SendAsync(delivery);
        gateway.Upstream.Respond = RecordingUpstream.DefaultRespond;
        using var retry = await gateway.SendAsync(delivery);

        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(retry.Headers.Contains("X-Axitech-Duplicate"));
        Assert.Equal(2, gateway.Upstream.Received.Count);
    }

    [Fact]
    public async Task UpstreamResettingTheConnection_Is502_NeverA2xx()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.Respond = (context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        };

        using var response = await gateway.SendNewAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
