using Axitech.Gateway.Verification;

namespace Axitech.Gateway.Tests.Verification;

public sealed class RawTargetTests
{
    [Theory]
    [InlineData("/webhooks/claims")]
    [InlineData("/webhooks/caf%C3%A9?q=%E2%9C%93")]
    [InlineData("/webhooks/claims?path=../../etc/passwd&x=%2F")]
    [InlineData("/webhooks/claims/v1.2/events")]
    [InlineData("/webhooks/claims/...")]
    [InlineData("/")]
    public void OrdinaryTargets_AreAcceptable(string target) => Assert.True(RawTarget.IsAcceptable(target));

    [Theory]
    [InlineData("")]
    [InlineData("webhooks/claims")]
    [InlineData("http://example.com/webhooks/claims")]
    [InlineData("*")]
    [InlineData("/webhooks/claims/../other")]
    [InlineData("/webhooks/claims/./x")]
    [InlineData("/webhooks/claims/..")]
    [InlineData("/webhooks/claims/%2e%2e/other")]
    [InlineData("/webhooks/claims/%2E./other")]
    [InlineData("/webhooks/claims%2F..%2Fother")]
    [InlineData("/webhooks/claims%2fx")]
    [InlineData("/webhooks/claims%5C..%5Cother")]
    [InlineData("/webhooks/claims\\..\\other")]
    [InlineData("/webhooks/claims#fragment")]
    [InlineData("/webhooks/claims/a b")]
    [InlineData("/webhooks/claims/a\tb")]
    [InlineData("/webhooks/claims?x=a b")]
    [InlineData("/webhooks/claims?x=\u0001")]
    [InlineData("/webhooks/claims?x=\u007f")]
    [InlineData("/webhooks/claims\r\nX: y")]
    public void AmbiguousTargets_AreRefused(string target) => Assert.False(RawTarget.IsAcceptable(target));

    [Theory]
    [InlineData("http://claims:8080", "/webhooks/a%2Fb?x=%20y", "http://claims:8080/webhooks/a%2Fb?x=%20y")]
    [InlineData("http://claims:8080/", "/webhooks/caf%C3%A9", "http://claims:8080/webhooks/caf%C3%A9")]
    [InlineData("http://claims:8080/base/", "/webhooks/x?a=1&a=1", "http://claims:8080/base/webhooks/x?a=1&a=1")]
    [InlineData("http://claims:8080", "/webhooks/%7euser", "http://claims:8080/webhooks/%7euser")]
    public void DestinationUri_KeepsTheRawTargetAsReceived(string prefix, string target, string expected)
        => Assert.Equal(expected, RawTarget.ToDestinationUri(prefix, target).OriginalString);
}
