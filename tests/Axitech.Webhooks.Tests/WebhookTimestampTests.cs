namespace Axitech.Webhooks.Tests;

public sealed class WebhookTimestampTests
{
    [Theory]
    [InlineData("1672574400", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("1", "1970-01-01T00:00:01.0000000+00:00")]
    [InlineData("99999999999", "5138-11-16T09:46:39.0000000+00:00")]
    [InlineData("1672574400000", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("1672574400123", "2023-01-01T12:00:00.1230000+00:00")]
    [InlineData("100000000000", "1973-03-03T09:46:40.0000000+00:00")]
    [InlineData("2023-01-01T12:00:00Z", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("2023-01-01T12:00:00", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("2023-01-01T12:00:00.5Z", "2023-01-01T12:00:00.5000000+00:00")]
    [InlineData("2023-01-01T12:00:00.1234567Z", "2023-01-01T12:00:00.1234567+00:00")]
    [InlineData("2023-01-01T14:00:00+02:00", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("2023-01-01T07:30:00-04:30", "2023-01-01T12:00:00.0000000+00:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.0000000+00:00")]
    public void AcceptedForms_ParseToTheInstantTheyName(string value, string expected)
    {
        Assert.True(WebhookTimestamp.TryParse(value, out var parsed));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), parsed);
        Assert.Equal(TimeSpan.Zero, parsed.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" 1672574400")]
    [InlineData("1672574400 ")]
    [InlineData("+1672574400")]
    [InlineData("-1672574400")]
    [InlineData("01672574400")]
    [InlineData("0")]
    [InlineData("1672574400.0")]
    [InlineData("1.6725744e9")]
    [InlineData("1672574400e0")]
    [InlineData("0x63B1B5C0")]
    [InlineData("1_672_574_400")]
    [InlineData("99999999999999999")]
    [InlineData("9999999999999999")]
    [InlineData("18446744073709551616")]
    [InlineData("１６７２５７４４００")]
    [InlineData("2023-01-01 12:00:00Z")]
    [InlineData("2023-01-01t12:00:00Z")]
    [InlineData("2023-01-01T12:00:00z")]
    [InlineData("2023-01-01T12:00Z")]
    [InlineData("2023-01-01T12:00:60Z")]
    [InlineData("2023-12-31T23:59:60Z")]
    [InlineData("2023-01-01T24:00:00Z")]
    [InlineData("2023-02-29T00:00:00Z")]
    [InlineData("2023-13-01T00:00:00Z")]
    [InlineData("2023-00-01T00:00:00Z")]
    [InlineData("2023-01-00T00:00:00Z")]
    [InlineData("2023-01-01T12:00:00.Z")]
    [InlineData("2023-01-01T12:00:00.12345678Z")]
    [InlineData("2023-01-01T12:00:00+0200")]
    [InlineData("2023-01-01T12:00:00+02")]
    [InlineData("2023-01-01T12:00:00+15:00")]
    [InlineData("2023-01-01T12:00:00Z ")]
    [InlineData("2023-01-01T12:00:00ZZ")]
    [InlineData("+2023-01-01T12:00:00Z")]
    [InlineData("2023-W01-1T12:00:00Z")]
    [InlineData("2023-001T12:00:00Z")]
    [InlineData("20230101T120000Z")]
    [InlineData("Sun, 01 Jan 2023 12:00:00 GMT")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    public void AnythingElse_IsRefused(string value)
        => Assert.False(WebhookTimestamp.TryParse(value, out _));

    [Fact]
    public void Formats_RoundTrip()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_400_000_123);

        Assert.True(WebhookTimestamp.TryParse(WebhookTimestamp.FormatUnixSeconds(at), out var seconds));
        Assert.Equal(at.ToUnixTimeSeconds(), seconds.ToUnixTimeSeconds());
        Assert.True(WebhookTimestamp.TryParse(WebhookTimestamp.FormatUnixMilliseconds(at), out var milliseconds));
        Assert.Equal(at, milliseconds);
        Assert.True(WebhookTimestamp.TryParse(WebhookTimestamp.FormatIso8601(at), out var iso));
        Assert.Equal(at.ToUnixTimeSeconds(), iso.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData("1764400000", "123456")]
    [InlineData("1764400000", "7{\"n\":1}")]
    [InlineData("1764400000123", "4{}")]
    [InlineData("2025-11-29T12:00:00", "Z{}")]
    [InlineData("2025-11-29T12:00:00", ".5 x")]
    [InlineData("2025-11-29T12:00:00", "+01:00{}")]
    [InlineData("2025-11-29T12:00:00.5", "1 x")]
    public void ABodyThatContinuesTheTimestamp_IsDetected(string timestamp, string body)
        => Assert.True(WebhookTimestamp.IsContinuedBy(timestamp, System.Text.Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("1764400000", "{\"n\":1}")]
    [InlineData("1764400000", "[1]")]
    [InlineData("1764400000", " 1")]
    [InlineData("1764400000", "")]
    [InlineData("1764400000123", "{}")]
    [InlineData("2025-11-29T12:00:00Z", "{}")]
    [InlineData("2025-11-29T12:00:00Z", "1")]
    [InlineData("2025-11-29T12:00:00+01:00", "0{}")]
    [InlineData("", "1")]
    public void ABodyThatCannotContinueTheTimestamp_IsNot(string timestamp, string body)
        => Assert.False(WebhookTimestamp.IsContinuedBy(timestamp, System.Text.Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void OfEverySplitOfASignedString_AtMostOneHasATimestampNoBodyContinues()
    {
        // The soundness of the rule, by exhaustion over strings shaped like the slides: wherever the timestamp is made
        // to end, at most one split parses without its body continuing it.
        string[] strings = ["1764400000123456", "1764400000123{}", "2025-11-29T12:00:00.123+01:00{}", "2025-11-29T12:00:00Z{}", "1764400000{}"];
        foreach (var signed in strings)
        {
            var accepted = Enumerable.Range(1, signed.Length)
                .Count(i => WebhookTimestamp.TryParse(signed.AsSpan(0, i), out _)
                    && !WebhookTimestamp.IsContinuedBy(signed.AsSpan(0, i), System.Text.Encoding.UTF8.GetBytes(signed[i..])));
            Assert.True(accepted <= 1, $"{accepted} splits of {signed} would be accepted.");
        }
    }
    [Theory]
    [InlineData(WebhookTimestampFormat.UnixSeconds, "1764400000")]
    [InlineData(WebhookTimestampFormat.UnixMilliseconds, "1764400000123")]
    [InlineData(WebhookTimestampFormat.Iso8601, "2025-11-29T07:06:40Z")]
    [InlineData(WebhookTimestampFormat.Iso8601, "2025-11-29T08:06:40.123+01:00")]
    [InlineData(WebhookTimestampFormat.Iso8601WithoutOffset, "2025-11-29T07:06:40")]
    public void OneForm_AcceptsItsOwn_AndNoOther(WebhookTimestampFormat format, string timestamp)
    {
        Assert.True(WebhookTimestamp.IsInFormat(timestamp, format));
        Assert.True(WebhookTimestamp.IsInFormat(timestamp, WebhookTimestampFormat.Any));
        foreach (var other in Enum.GetValues<WebhookTimestampFormat>().Where(f => f != format && f != WebhookTimestampFormat.Any))
        {
            Assert.False(WebhookTimestamp.IsInFormat(timestamp, other), $"{timestamp} is not {other}");
        }
    }

    [Theory]
    [InlineData("1764400000123", "Unix milliseconds")]
    [InlineData("1764400000", "Unix seconds")]
    [InlineData("2025-11-29T07:06:40.5", "ISO-8601 with a fraction and without an offset")]
    [InlineData("17644x", "not a timestamp")]
    public void DescribeForm_NamesTheFormSeen(string timestamp, string expected)
        => Assert.Equal(expected, WebhookTimestamp.DescribeForm(timestamp));

    // Issue 22: with one form per policy, no split of a signed string other than the original's names a fresh instant
    // in that form, whatever the body begins with (digits, a zone, a fraction, an offset, JSON).
    [Theory]
    [InlineData(WebhookTimestampFormat.UnixSeconds)]
    [InlineData(WebhookTimestampFormat.UnixMilliseconds)]
    [InlineData(WebhookTimestampFormat.Iso8601)]
    [InlineData(WebhookTimestampFormat.Iso8601WithoutOffset)]
    public void WithOneForm_NoSlidCopyOfAGenuineTimestampIsAcceptedAndFresh(WebhookTimestampFormat format)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_764_400_000);
        var tolerance = TimeSpan.FromDays(1);
        string[] timestamps = format switch
        {
            WebhookTimestampFormat.UnixSeconds => [WebhookTimestamp.FormatUnixSeconds(now)],
            WebhookTimestampFormat.UnixMilliseconds => [WebhookTimestamp.FormatUnixMilliseconds(now)],
            WebhookTimestampFormat.Iso8601 => [WebhookTimestamp.FormatIso8601(now), "2025-11-29T04:06:40.1-03:00", "2025-11-29T04:06:40-03:00"],
            _ => ["2025-11-29T07:06:40"],
        };
        string[] bodies = ["123456{}", "7", "Z{}", ".1234567Z", "+01:00{}", "-03:00", ":40Z", "0", "{\"n\":1}", ""];
        foreach (var timestamp in timestamps)
        {
            Assert.True(WebhookTimestamp.IsInFormat(timestamp, format));
            foreach (var body in bodies)
            {
                var signed = timestamp + body;
                for (var split = 1; split <= signed.Length; split++)
                {
                    if (split == timestamp.Length)
                    {
                        continue;
                    }

                    var copy = signed[..split];
                    var fresh = WebhookTimestamp.TryParse(copy, out var at) && (at - now).Duration() <= tolerance;
                    Assert.False(WebhookTimestamp.IsInFormat(copy, format) && fresh, $"'{timestamp}' + '{body}' also verifies as '{copy}' + '{signed[split..]}'");
                }
            }
        }
    }
}
