using System.Globalization;
using System.Net;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The signed string <c>METHOD + target + timestamp + body</c> has no separators, so characters can slide across the
/// timestamp's two boundaries without changing the signature. The query/timestamp boundary is in BadInputCases; this
/// is the timestamp/body boundary: of all the ways to split the same bytes, only the one with the longest timestamp is
/// accepted, so no copy made by moving characters across it verifies (SECURITY.md, "Residual").
/// </summary>
public sealed class SignedStringBoundaryTests
{
    private const string Target = TestGateway.ClaimsPath + "/events";

    public static TheoryData<string, bool> FormsAndDeduplication()
    {
        var data = new TheoryData<string, bool>();
        foreach (var form in new[] { "seconds", "milliseconds", "iso", "iso-z", "iso-fraction-offset" })
        {
            data.Add(form, true);
            data.Add(form, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FormsAndDeduplication))]
    public async Task NoCopyMadeByMovingCharactersBetweenTheTimestampAndTheBody_Verifies(string form, bool deduplication)
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:Deduplication:Enabled"] = deduplication ? "true" : "false");
        var genuine = SignedRequest.Create(Target, timestamp: Timestamp(form, DateTimeOffset.UtcNow));

        using (var response = await gateway.SendAsync(genuine))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var copy in Copies(genuine))
        {
            using var response = await gateway.SendAsync(copy);
            Assert.True(
                response.StatusCode == HttpStatusCode.Unauthorized,
                $"Timestamp '{copy.Timestamp}' with a body starting '{Encoding.UTF8.GetString(copy.Body[..Math.Min(8, copy.Body.Length)])}' was answered {(int)response.StatusCode}.");
        }

        Assert.Equal(genuine.Body, Assert.Single(gateway.Upstream.Received).Body);
    }

    [Fact]
    public async Task TheSecondsToMillisecondsSlide_DoesNotVerify_WithoutDuplicateProtection()
    {
        // Issue 22: timestamp T with body "123456" verified again as T123 (milliseconds, fresh) with body "456".
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:Deduplication:Enabled"] = "false");
        var timestamp = WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);
        var original = SignedRequest.Create(Target, "123456"u8.ToArray(), timestamp: timestamp);
        var slid = original with { Timestamp = timestamp + "123", Body = "456"u8.ToArray() };

        using var slidResponse = await gateway.SendAsync(slid);
        using var originalResponse = await gateway.SendAsync(original);

        Assert.Equal(HttpStatusCode.Unauthorized, slidResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, originalResponse.StatusCode);
        Assert.Equal("ambiguous_timestamp", await ReasonAsync(originalResponse));
        Assert.Empty(gateway.Upstream.Received);
    }

    [Fact]
    public async Task WithOneTimestampForm_TheOriginalIsAccepted_AndItsSlidCopyIsRefusedNamingTheFormSeen()
    {
        // Webhooks:Policies:{name}:TimestampFormat: with UnixSeconds, the original (a body starting with digits)
        // is delivered, and the copy read as milliseconds is refused as a timestamp of another form.
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["Webhooks:Policies:axitech:Deduplication:Enabled"] = "false";
            c["Webhooks:Policies:axitech:TimestampFormat"] = "UnixSeconds";
        });
        var timestamp = WebhookTimestamp.FormatUnixSeconds(DateTimeOffset.UtcNow);
        var original = SignedRequest.Create(Target, "123456"u8.ToArray(), timestamp: timestamp);
        var slid = original with { Timestamp = timestamp + "123", Body = "456"u8.ToArray() };

        using var slidResponse = await gateway.SendAsync(slid);
        using var originalResponse = await gateway.SendAsync(original);

        Assert.Equal(HttpStatusCode.Unauthorized, slidResponse.StatusCode);
        var problem = await slidResponse.Content.ReadAsStringAsync();
        Assert.Contains("\"reason\":\"timestamp_format\"", problem, StringComparison.Ordinal);
        Assert.Contains("The timestamp is Unix milliseconds; this route accepts UnixSeconds only.", problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, originalResponse.StatusCode);
        var received = Assert.Single(gateway.Upstream.Received);
        Assert.Equal("123456"u8.ToArray(), received.Body);
    }

    [Fact]
    public async Task DigitSlidBetweenAUnixTimestampAndTheBody_IsRefused()
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

    private static string Timestamp(string form, DateTimeOffset now) => form switch
    {
        "seconds" => WebhookTimestamp.FormatUnixSeconds(now),
        "milliseconds" => WebhookTimestamp.FormatUnixMilliseconds(now),
        "iso" => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        "iso-z" => WebhookTimestamp.FormatIso8601(now),
        _ => now.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+01:00'", CultureInfo.InvariantCulture),
    };

    /// <summary>The same signed bytes split elsewhere: one to six characters moved from the timestamp's end into the body, and from the body into the timestamp.</summary>
    private static IEnumerable<SignedRequest> Copies(SignedRequest genuine)
    {
        var joined = Encoding.ASCII.GetBytes(genuine.Timestamp).Concat(genuine.Body).ToArray();
        var split = genuine.Timestamp.Length;
        for (var k = 1; k <= 6; k++)
        {
            foreach (var at in new[] { split - k, split + k })
            {
                yield return genuine with { Timestamp = Encoding.ASCII.GetString(joined, 0, at), Body = joined[at..] };
            }
        }
    }

    private static async Task<string?> ReasonAsync(HttpResponseMessage response)
        => RawHttpResponse.ReasonOf(response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsByteArrayAsync());
}
