using System.Globalization;
using System.Net;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The signed string <c>METHOD + target + timestamp + body</c> has no separators, so characters can slide across the
/// timestamp's two boundaries without changing the signature. The query/timestamp boundary is in BadInputCases; this
/// is the timestamp/body boundary, for bodies that start with characters a timestamp could end with. SECURITY.md
/// describes the residual these tests pin down.
/// </summary>
public sealed class SignedStringBoundaryTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    [Fact]
    public async Task DigitSlidBetweenAUnixTimestampAndTheBody_IsRefusedByTheFreshnessWindow()
    {
        await using var gateway = await TestGateway.StartAsync();
        var timestamp = WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);
        var genuine = SignedRequest.Create(Target, "7{\"n\":1}"u8.ToArray(), timestamp: timestamp);

        // Same signed bytes, so the signature verifies; the timestamp is then ten times larger or smaller.
        using var intoTheTimestamp = await gateway.SendAsync(genuine with { Timestamp = timestamp + "7", Body = genuine.Body[1..] });
        using var intoTheBody = await gateway.SendAsync(genuine with { Timestamp = timestamp[..^1], Body = [(byte)timestamp[^1], .. genuine.Body] });

        Assert.Equal("future_timestamp", await ReasonAsync(intoTheTimestamp));
        Assert.Equal("stale_timestamp", await ReasonAsync(intoTheBody));
        Assert.Empty(gateway.Upstream.Received);
    }

    [Fact]
    public async Task FractionSlidFromTheBodyIntoAnIsoTimestamp_IsAnsweredAsADuplicateOnceTheOriginalWasDelivered()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (original, slid) = IsoFractionSlide();

        using var first = await gateway.SendAsync(original);
        using var variant = await gateway.SendAsync(slid);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(variant.Headers.Contains("X-Axitech-Duplicate"), $"The variant was answered {(int)variant.StatusCode} without the duplicate marker.");
        Assert.Equal(original.Body, Assert.Single(gateway.Upstream.Received).Body);
    }

    [Fact]
    public async Task FractionSlidFromTheBodyIntoAnIsoTimestamp_VerifiesWithoutDuplicateProtection_TheDocumentedResidual()
    {
        // Not a wish but a fact SECURITY.md relies on: should it change, so must the document.
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:Deduplication:Enabled"] = "false");
        var (_, slid) = IsoFractionSlide();

        using var variant = await gateway.SendAsync(slid);

        Assert.Equal(HttpStatusCode.OK, variant.StatusCode);
        Assert.Equal(slid.Body, Assert.Single(gateway.Upstream.Received).Body);
    }

    /// <summary>A genuine delivery with an ISO-8601 timestamp and a body starting ".5…", and the same bytes split as timestamp "….5" and the rest.</summary>
    private static (SignedRequest Original, SignedRequest Slid) IsoFractionSlide()
    {
        var timestamp = DateTimeOffset.UtcNow.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var original = SignedRequest.Create(Target, Encoding.UTF8.GetBytes(".5 " + Guid.NewGuid()), timestamp: timestamp);
        return (original, original with { Timestamp = timestamp + ".5", Body = original.Body[2..] });
    }

    private static async Task<string?> ReasonAsync(HttpResponseMessage response)
        => RawHttpResponse.ReasonOf(response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
}
