using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.Tests.Configuration;

public sealed class GatewaySnapshotBuilderTests
{
    [Fact]
    public void ValidConfiguration_HasNoErrors_AndTheDocumentedDefaults()
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_a",
            ["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = "axitech",
            ["ReverseProxy:Routes:claims:ClusterId"] = "upstream",
            ["ReverseProxy:Routes:claims:Match:Path"] = "/webhooks/claims",
            ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = "http://127.0.0.1:1",
        });

        var result = GatewaySnapshotBuilder.Build(configuration, "Production");
        var errors = result.Errors;

        Assert.Empty(errors);
        var policy = result.Policies["axitech"];
        Assert.Equal(TimeSpan.FromMinutes(5), policy.Tolerance);
        Assert.Equal(1_048_576, policy.MaxBodyBytes);
        Assert.Equal("x-aw-signature", policy.SignatureHeader);
        Assert.Equal("x-aw-timestamp", policy.TimestampHeader);
        Assert.Equal(string.Empty, policy.SignedPathPrefix);
        Assert.True(policy.Deduplication.Enabled);
        Assert.Empty(policy.ContentKeyPaths);
        Assert.Equal(StoreUnavailableBehavior.Reject, policy.Deduplication.OnStoreUnavailable);
        Assert.Equal("axitech", result.Routes["claims"].Policy.Name);
        Assert.Equal(WebhookDeliveryMode.Forward, result.Routes["claims"].Delivery);
    }

    [Theory]
    [InlineData("WebhookDeliveryRate", "0", "WebhookDeliveryRate is '0'; it must be a whole number from 1 to 10000")]
    [InlineData("WebhookDeliveryRate", "2.5", "WebhookDeliveryRate is '2.5'")]
    [InlineData("WebhookDeliveryRate", "10001", "WebhookDeliveryRate is '10001'")]
    [InlineData("WebhookDeliveryConcurrency", "-1", "WebhookDeliveryConcurrency is '-1'; it must be a whole number from 1 to 1000")]
    [InlineData("WebhookDeliveryConcurrency", "many", "WebhookDeliveryConcurrency is 'many'")]
    public void AQueuedRoutesPace_OutOfRange_IsRefused_NamingTheKey(string key, string value, string message)
    {
        var result = GatewaySnapshotBuilder.Build(Build(QueuedRoute(new() { [$"ReverseProxy:Routes:claims:Metadata:{key}"] = value })), "Production");

        var error = Assert.Single(result.Errors);
        Assert.Contains($"ReverseProxy:Routes:claims:Metadata:{key}", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AQueuedRoutesPace_IsRead_AndOnAForwardedRouteIsAMistake()
    {
        var queued = GatewaySnapshotBuilder.Build(Build(QueuedRoute(new()
        {
            ["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryRate"] = "50",
            ["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryConcurrency"] = "2",
        })), "Production");
        var forwarded = GatewaySnapshotBuilder.Build(Build(QueuedRoute(new()
        {
            ["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Forward",
            ["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryRate"] = "50",
        })), "Production");

        Assert.Empty(queued.Errors);
        Assert.Equal((50, 2), (queued.Routes["claims"].DeliveryRate, queued.Routes["claims"].DeliveryConcurrency));
        Assert.Contains("applies to queued routes only", Assert.Single(forwarded.Errors), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> QueuedRoute(Dictionary<string, string?> extra)
    {
        var values = new Dictionary<string, string?>
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_a",
            ["Webhooks:Queue:EncryptionKeys:0"] = Convert.ToBase64String(new byte[32]),
            ["ReverseProxy:Routes:claims:Metadata:WebhookPolicy"] = "axitech",
            ["ReverseProxy:Routes:claims:Metadata:WebhookDelivery"] = "Queue",
            ["ReverseProxy:Routes:claims:ClusterId"] = "upstream",
            ["ReverseProxy:Routes:claims:Match:Path"] = "/webhooks/claims",
            ["ReverseProxy:Clusters:upstream:Destinations:d1:Address"] = "http://127.0.0.1:1",
        };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return values;
    }

    [Fact]
    public void BlankSecrets_AreIgnored_ButOneIsRequired()
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = " ",
            ["Webhooks:Policies:axitech:Secrets:1"] = "wh_sec_real",
        });

        var result = GatewaySnapshotBuilder.Build(configuration, "Production");
        var errors = result.Errors;

        Assert.Empty(errors);
        Assert.Single(result.Policies["axitech"].Secrets);
    }

    [Theory]
    [InlineData("Tolerance", "00:00:00", "Tolerance")]
    [InlineData("Tolerance", "2.00:00:00", "Tolerance")]
    [InlineData("Tolerance", "five minutes", "Tolerance")]
    [InlineData("MaxBodyBytes", "0", "MaxBodyBytes")]
    [InlineData("MaxBodyBytes", "104857601", "MaxBodyBytes")]
    [InlineData("SignatureHeader", "x aw signature", "SignatureHeader")]
    [InlineData("TimestampHeader", "", "TimestampHeader")]
    [InlineData("SignedPathPrefix", "axitech", "SignedPathPrefix")]
    [InlineData("SignedPathPrefix", "/axitech/", "SignedPathPrefix")]
    [InlineData("Deduplication:InFlightLease", "00:00:00", "InFlightLease")]
    [InlineData("Deduplication:Key", "data..sessionId", "Deduplication:Key")]
    [InlineData("Deduplication:OnStoreUnavailable", "Sometimes", "OnStoreUnavailable")]
    public void InvalidSetting_IsReportedWithTheKeyToFix(string key, string value, string expectedInMessage)
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_a",
            [$"Webhooks:Policies:axitech:{key}"] = value,
        });

        var errors = GatewaySnapshotBuilder.Build(configuration, "Production").Errors;

        var error = Assert.Single(errors);
        Assert.Contains("'axitech'", error, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Signature", new string[0])]
    [InlineData("event_type", new[] { "event_type" })]
    [InlineData("event_type, data.sessionId", new[] { "event_type", "data.sessionId" })]
    public void DeduplicationKey_AcceptsSignatureOrJsonPaths(string value, string[] expected)
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_a",
            ["Webhooks:Policies:axitech:Deduplication:Key"] = value,
        });

        var result = GatewaySnapshotBuilder.Build(configuration, "Production");
        var errors = result.Errors;

        Assert.Empty(errors);
        Assert.Equal(expected, result.Policies["axitech"].Deduplication.Key);
    }

    [Theory]
    [InlineData("Gateway:Limits:BodyTimeout", "00:00:00", "Gateway:Limits:BodyTimeout")]
    [InlineData("Gateway:Limits:UnverifiedBytesPerClient", "0", "Gateway:Limits:UnverifiedBytesPerClient")]
    [InlineData("Gateway:Limits:UnverifiedBytes", "1048576", "Gateway:Limits:UnverifiedBytes ")]
    [InlineData("Webhooks:Policies:axitech:MaxBodyBytes", "33554432", "raise Gateway:Limits:UnverifiedBytesPerClient")]
    public void ALimitThatCannotWork_IsReportedWithTheKeyToFix(string key, string value, string expectedInMessage)
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_a",
            [key] = value,
        });

        var error = Assert.Single(GatewaySnapshotBuilder.Build(configuration, "Production").Errors);

        Assert.Contains(expectedInMessage, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_NeverAppearInMessages()
    {
        var configuration = Build(new()
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = "wh_sec_must_not_leak",
            ["Webhooks:Policies:axitech:Tolerance"] = "bad",
            ["Webhooks:Policies:axitech:MaxBodyBytes"] = "-1",
        });

        var errors = GatewaySnapshotBuilder.Build(configuration, "Production").Errors;

        Assert.NotEmpty(errors);
        Assert.DoesNotContain(errors, e => e.Contains("must_not_leak", StringComparison.Ordinal));
    }

    /// <summary>The values over the embedded defaults, as the gateway reads them.</summary>
    private static IConfiguration Build(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(GatewayDefaults.Values).AddInMemoryCollection(values).Build();
}
