using System.Net;

namespace Axitech.Gateway.FunctionalTests.Verification;

public sealed class SignedPathPrefixTests
{
    [Fact]
    public async Task PrefixStrippedByAnIngress_IsPutBackForVerification_AndTheReceivedTargetIsForwarded()
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:SignedPathPrefix"] = "/axitech");
        const string received = TestGateway.ClaimsPath + "/events?x=1";

        // The sender signed its own URL, /axitech/webhooks/claims/events?x=1; the ingress forwarded without /axitech.
        using var accepted = await gateway.SendAsync(SignedRequest.Create(received, signedTarget: "/axitech" + received));
        using var signedWithoutPrefix = await gateway.SendAsync(SignedRequest.Create(received));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, signedWithoutPrefix.StatusCode);
        Assert.Equal(received, Assert.Single(gateway.Upstream.Received).RawTarget);
    }
}
