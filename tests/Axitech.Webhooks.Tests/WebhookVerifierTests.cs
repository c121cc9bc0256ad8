using System.Text;

namespace Axitech.Webhooks.Tests;

public sealed class WebhookVerifierTests
{
    private static readonly TimeSpan _tolerance = TimeSpan.FromMinutes(5);

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public void ValidVendorVector_Verifies(string name)
    {
        var vector = SignatureVectors.Named(name);

        var outcome = Verify(vector, vector.Signature, AtTimestampOf(vector));

        Assert.Equal(WebhookVerificationOutcome.Valid, outcome);
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public void ValidVendorVector_IsWhatSignComputes(string name)
    {
        var vector = SignatureVectors.Named(name);

        Assert.Equal(vector.Signature, AxitechSignature.Sign(vector.Secret, vector.Method, vector.Url, vector.Timestamp, vector.Body));
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.InvalidNames), MemberType = typeof(SignatureVectors))]
    public void InvalidVendorVector_IsRejectedAsInvalidSignature(string name)
    {
        var vector = SignatureVectors.Named(name);

        var outcome = Verify(vector, vector.Signature, AtTimestampOf(vector));

        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, outcome);
    }

    [Fact]
    public void UpperCaseHexSignature_Verifies()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);

        Assert.Equal(WebhookVerificationOutcome.Valid, Verify(vector, vector.Signature.ToUpperInvariant(), AtTimestampOf(vector)));
    }

    [Theory]
    [InlineData("")]
    public void EmptySignature_IsMissing(string signature)
    {
        var vector = SignatureVectors.All.First(v => v.Valid);

        Assert.Equal(WebhookVerificationOutcome.MissingSignature, Verify(vector, signature, AtTimestampOf(vector)));
    }

    [Fact]
    public void EmptyTimestamp_IsMissing()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);

        Assert.Equal(WebhookVerificationOutcome.MissingTimestamp, Verify(vector with { Timestamp = string.Empty }, vector.Signature, AtTimestampOf(vector)));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("sha256=06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa98")]
    [InlineData("06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa9")]
    [InlineData("06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa980")]
    [InlineData("06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa9g")]
    [InlineData(" 06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa98")]
    [InlineData("06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa98,06dc09b98bfe4faab4c085ad0e4c3aa6c29a402c116eb2be86d2845381c9aa98")]
    [InlineData("BtwJuYv+T6q0wIWtDkw6psKaQCwRbrK+htKEU4HJqpg=")]
    public void MalformedSignature_IsInvalid(string signature)
    {
        var vector = SignatureVectors.Named("seed payload at the root path, unix seconds");

        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, Verify(vector, signature, AtTimestampOf(vector)));
    }

    [Fact]
    public void RotatedSecrets_AnyOneVerifies()
    {
        var vector = SignatureVectors.Named("seed payload at the root path, unix seconds");
        var now = AtTimestampOf(vector);

        Assert.Equal(WebhookVerificationOutcome.Valid, VerifyWith(vector, vector.Signature, now, "wh_sec_new_secret", vector.Secret));
        Assert.Equal(WebhookVerificationOutcome.Valid, VerifyWith(vector, vector.Signature, now, vector.Secret, "wh_sec_new_secret"));
        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, VerifyWith(vector, vector.Signature, now, "wh_sec_new_secret", "wh_sec_other"));
    }

    [Fact]
    public void NoSecrets_NothingVerifies()
    {
        var vector = SignatureVectors.Named("seed payload at the root path, unix seconds");

        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, VerifyWith(vector, vector.Signature, AtTimestampOf(vector)));
    }

    [Theory]
    [InlineData(-301, WebhookVerificationOutcome.FutureTimestamp)]
    [InlineData(-300, WebhookVerificationOutcome.Valid)]
    [InlineData(0, WebhookVerificationOutcome.Valid)]
    [InlineData(300, WebhookVerificationOutcome.Valid)]
    [InlineData(301, WebhookVerificationOutcome.StaleTimestamp)]
    [InlineData(86_400, WebhookVerificationOutcome.StaleTimestamp)]
    public void Freshness_IsTwoSidedWithinTolerance(int secondsAfterTimestamp, WebhookVerificationOutcome expected)
    {
        var vector = SignatureVectors.Named("seed payload at the root path, unix seconds");

        Assert.Equal(expected, Verify(vector, vector.Signature, AtTimestampOf(vector).AddSeconds(secondsAfterTimestamp)));
    }

    [Fact]
    public void SignatureIsCheckedBeforeFreshness_SoAStaleForgeryIsInvalidNotStale()
    {
        var vector = SignatureVectors.Named("another secret");

        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, Verify(vector, vector.Signature, AtTimestampOf(vector).AddDays(30)));
    }

    [Fact]
    public void GenuineSignatureWithUnparseableTimestamp_IsInvalidTimestamp()
    {
        const string secret = "wh_sec_test";
        const string timestamp = "1672574400.5";
        var signature = AxitechSignature.Sign(secret, "POST", "/hook", timestamp, "{}"u8);
        var vector = new SignatureVector("t", secret, "POST", "/hook", timestamp, Convert.ToBase64String("{}"u8), signature, true);

        Assert.Equal(WebhookVerificationOutcome.InvalidTimestamp, Verify(vector, signature, DateTimeOffset.FromUnixTimeSeconds(1672574400)));
    }

    /// <summary>
    /// The signed string has no separators: moving characters between the end of the query and the timestamp signs the
    /// same bytes. The strict parser and the two-sided window must refuse every slid copy.
    /// </summary>
    [Theory]
    [InlineData("/hook?n=1", "1764400000", "/hook?n=11", "764400000")]
    [InlineData("/hook?n=1", "1764400000", "/hook?n=", "11764400000")]
    [InlineData("/hook?n=0", "1764400000", "/hook?n=", "01764400000")]
    [InlineData("/hook?n=1", "1764400000000", "/hook?n=11", "764400000000")]
    [InlineData("/hook?n=1", "1764400000000", "/hook?n=", "11764400000000")]
    [InlineData("/hook?n=0", "1764400000000", "/hook?n=", "01764400000000")]
    [InlineData("/hook?n=2", "2025-11-29T07:06:40Z", "/hook?n=22", "025-11-29T07:06:40Z")]
    [InlineData("/hook?n=", "2025-11-29T07:06:40Z", "/hook?n=2", "025-11-29T07:06:40Z")]
    [InlineData("/hook?n=-", "1764400000", "/hook?n=", "-1764400000")]
    [InlineData("/hook?n=+", "1764400000", "/hook?n=", "+1764400000")]
    [InlineData("/hook?n= ", "1764400000", "/hook?n=", " 1764400000")]
    public void SeparatorSlide_BetweenQueryAndTimestamp_IsNeverAccepted(string signedTarget, string signedTimestamp, string slidTarget, string slidTimestamp)
    {
        const string secret = "wh_sec_slide";
        var body = "{\"event_type\":\"session.submitted\"}"u8.ToArray();
        var signature = AxitechSignature.Sign(secret, "POST", signedTarget, signedTimestamp, body);
        Assert.True(WebhookTimestamp.TryParse(signedTimestamp, out var signedAt));
        var genuine = new SignatureVector("genuine", secret, "POST", signedTarget, signedTimestamp, Convert.ToBase64String(body), signature, true);
        var slid = genuine with { Url = slidTarget, Timestamp = slidTimestamp };

        // Same signed bytes: the signature alone cannot tell them apart...
        Assert.Equal(signature, AxitechSignature.Sign(secret, "POST", slidTarget, slidTimestamp, body));

        // ...the genuine delivery verifies, the slid copy never does.
        Assert.Equal(WebhookVerificationOutcome.Valid, Verify(genuine, signature, signedAt));
        Assert.NotEqual(WebhookVerificationOutcome.Valid, Verify(slid, signature, signedAt));
    }

    [Fact]
    public void Verify_WritesTheDecodedSignature()
    {
        var vector = SignatureVectors.Named("seed payload at the root path, unix seconds");
        var message = Message(vector);
        var decoded = new byte[32];

        var outcome = WebhookVerifier.Verify(message, vector.Signature, vector.Timestamp, [new WebhookSecret(vector.Secret)], AtTimestampOf(vector), _tolerance, decoded, out _);

        Assert.Equal(WebhookVerificationOutcome.Valid, outcome);
        Assert.Equal(Convert.FromHexString(vector.Signature), decoded);
    }

    [Fact]
    public void Secret_ToStringShowsOnlyAFingerprint()
    {
        var secret = new WebhookSecret("wh_sec_YOUR_WEBHOOK_SECRET");

        Assert.DoesNotContain("YOUR", secret.ToString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{8}$", secret.Fingerprint);
        Assert.NotEqual(secret.Fingerprint, new WebhookSecret("wh_sec_OTHER").Fingerprint);
    }

    [Theory]
    [InlineData(WebhookVerificationOutcome.MissingSignature, "missing_signature")]
    [InlineData(WebhookVerificationOutcome.InvalidSignature, "invalid_signature")]
    [InlineData(WebhookVerificationOutcome.MissingTimestamp, "missing_timestamp")]
    [InlineData(WebhookVerificationOutcome.InvalidTimestamp, "invalid_timestamp")]
    [InlineData(WebhookVerificationOutcome.StaleTimestamp, "stale_timestamp")]
    [InlineData(WebhookVerificationOutcome.FutureTimestamp, "future_timestamp")]
    public void ReasonCodes_AreTheOperatorContract(WebhookVerificationOutcome outcome, string expected)
        => Assert.Equal(expected, outcome.ToReasonCode());

    internal static byte[] Message(SignatureVector vector)
    {
        var body = vector.Body;
        var prefix = new byte[AxitechSignature.GetPrefixByteCount(vector.Method, default, vector.Url, vector.Timestamp)];
        var written = AxitechSignature.WritePrefix(prefix, vector.Method, default, vector.Url, vector.Timestamp);
        Assert.Equal(prefix.Length, written);
        Assert.Equal(Encoding.UTF8.GetBytes(vector.Method.ToUpperInvariant() + vector.Url + vector.Timestamp), prefix);
        return [.. prefix, .. body];
    }

    private static DateTimeOffset AtTimestampOf(SignatureVector vector)
    {
        Assert.True(WebhookTimestamp.TryParse(vector.Timestamp, out var at), $"vector timestamp {vector.Timestamp} parses");
        return at;
    }

    private static WebhookVerificationOutcome Verify(SignatureVector vector, string signature, DateTimeOffset now)
        => VerifyWith(vector, signature, now, vector.Secret);

    private static WebhookVerificationOutcome VerifyWith(SignatureVector vector, string signature, DateTimeOffset now, params string[] secrets)
        => WebhookVerifier.Verify(
            Message(vector), signature, vector.Timestamp, secrets.Select(s => new WebhookSecret(s)).ToArray(), now, _tolerance, new byte[32], out _);
}
