using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.Tests.Configuration;

/// <summary>A key the gateway does not know is refused with the nearest known one, never ignored.</summary>
public sealed class ConfigurationKeysTests
{
    private static readonly Dictionary<string, string?> _valid = new()
    {
        ["Webhooks:Policies:claims:Secrets:0"] = "wh_sec_a",
        ["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = "claims",
        ["ReverseProxy:Routes:claims:ClusterId"] = "upstream",
        ["ReverseProxy:Routes:claims:Match:Path"] = "/webhooks/claims",
        ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = "http://127.0.0.1:1",
    };

    [Theory]
    [InlineData("ReverseProxy:Routes:claims:Metadata:WebhookDelivry", "Queue", "ReverseProxy:Routes:claims:Metadata:WebhookDelivry — did you mean WebhookDelivery?")]
    [InlineData("ReverseProxy:Routes:claims:Metadata:WebookDelivery", "Queue", "ReverseProxy:Routes:claims:Metadata:WebookDelivery — did you mean WebhookDelivery?")]
    [InlineData("ReverseProxy:Routes:claims:Metadata:WebhookPolicies", "claims", "ReverseProxy:Routes:claims:Metadata:WebhookPolicies — did you mean WebhookPolicy?")]
    [InlineData("Webhooks:Policies:claims:Tolernce", "00:01:00", "Webhooks:Policies:claims:Tolernce — did you mean Tolerance?")]
    [InlineData("Webhooks:Policies:claims:Deduplication:Enabeld", "false", "Webhooks:Policies:claims:Deduplication:Enabeld — did you mean Enabled?")]
    [InlineData("Webhooks:Polices:claims:Secrets:0", "x", "Webhooks:Polices — did you mean Policies?")]
    [InlineData("Webhooks:Queue:Retry:MaxAtempts", "3", "Webhooks:Queue:Retry:MaxAtempts — did you mean MaxAttempts?")]
    [InlineData("Webhooks:Queue:MaxConcurency", "3", "Webhooks:Queue:MaxConcurency — did you mean MaxConcurrency?")]
    [InlineData("Gateway:DrainTimout", "00:00:10", "Gateway:DrainTimout — did you mean DrainTimeout?")]
    [InlineData("Gateway:FailureThrottling:PermitLimt", "5", "Gateway:FailureThrottling:PermitLimt — did you mean PermitLimit?")]
    [InlineData("Gateway:DrainTimeout:Seconds", "5", "Gateway:DrainTimeout:Seconds — Gateway:DrainTimeout takes a single value")]
    public void UnknownKey_IsAnErrorNamingTheNearestKnownKey(string key, string value, string expected)
    {
        var result = GatewaySnapshotBuilder.Build(Build(key, value), "Production");

        Assert.Contains(result.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("ReverseProxy:Routes:claims:Metadata:WebhookDelivery", "Queue")]
    [InlineData("ReverseProxy:Routes:claims:Metadata:webhookdelivery", "Forward")]
    [InlineData("ReverseProxy:Routes:claims:Metadata:Owner", "team-claims")]
    [InlineData("webhooks:policies:claims:tolerance", "00:01:00")]
    [InlineData("Webhooks:Policies:claims:Deduplication:Key", "Signature")]
    [InlineData("Webhooks:Policies:claims:Deduplication:Key:1", "data.sessionId")]
    [InlineData("Webhooks:Queue:EncryptionKeys:0", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("Gateway:TrustedProxies:0", "10.0.0.0/8")]
    [InlineData("Gateway:ListenerProbe:Interval", "00:00:02")]
    public void KnownKey_InAnyCase_IsAccepted(string key, string value)
    {
        var result = GatewaySnapshotBuilder.Build(Build(key, value), "Production");

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void PolicyNamedByNoRoute_IsAWarning_NotAnError()
    {
        // Webhooks__Policies__claim__Secrets__0: a typo in an environment variable's policy name.
        var result = GatewaySnapshotBuilder.Build(Build("Webhooks:Policies:claim:Secrets:0", "wh_sec_b"), "Production");

        Assert.Empty(result.Errors);
        Assert.Contains(result.Warnings, w => w.StartsWith("Webhook policy 'claim' (Webhooks:Policies:claim) is named by no route", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Warnings, w => w.Contains("'claims' (", StringComparison.Ordinal));
    }

    private static IConfiguration Build(string key, string value)
        => new ConfigurationBuilder().AddInMemoryCollection(GatewayDefaults.Values).AddInMemoryCollection(new Dictionary<string, string?>(_valid, StringComparer.OrdinalIgnoreCase) { [key] = value }).Build();
}
