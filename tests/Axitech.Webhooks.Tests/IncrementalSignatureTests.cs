namespace Axitech.Webhooks.Tests;

public sealed class IncrementalSignatureTests
{
    private static readonly TimeSpan _tolerance = TimeSpan.FromMinutes(5);

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public void EveryVendorVector_VerifiesHowever_TheBodyIsCutIntoChunks(string name)
    {
        var vector = SignatureVectors.Named(name);
        var body = vector.Body;
        foreach (var chunk in new[] { 1, 3, 64, 4096, int.MaxValue })
        {
            Assert.Equal(WebhookVerificationOutcome.Valid, Verify(vector, body, chunk, [new WebhookSecret(vector.Secret)], out _));
        }
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.InvalidNames), MemberType = typeof(SignatureVectors))]
    public void EveryInvalidVendorVector_GivesTheOneShotVerifiersOutcome(string name)
    {
        var vector = SignatureVectors.Named(name);
        var secrets = new[] { new WebhookSecret(vector.Secret) };
        var now = WebhookTimestamp.TryParse(vector.Timestamp, out var at) ? at : DateTimeOffset.UnixEpoch;
        var prefix = AxitechSignature.GetPrefixByteCount(vector.Method, default, vector.Url, vector.Timestamp);
        var message = new byte[prefix + vector.Body.Length];
        AxitechSignature.WritePrefix(message, vector.Method, default, vector.Url, vector.Timestamp);
        vector.Body.CopyTo(message, prefix);
        var oneShot = WebhookVerifier.Verify(message, vector.Signature, vector.Timestamp, secrets, now, _tolerance, new byte[32], out _);

        Assert.Equal(oneShot, Verify(vector, vector.Body, 5, secrets, out _));
    }

    [Fact]
    public void DuringARotation_EitherSecretVerifies_AndTheSignatureBytesAreGivenBack()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);
        WebhookSecret[] secrets = [new("wh_sec_the_other_one"), new(vector.Secret)];

        Assert.Equal(WebhookVerificationOutcome.Valid, Verify(vector, vector.Body, 100, secrets, out var signatureBytes));
        Assert.Equal(Convert.FromHexString(vector.Signature), signatureBytes);
        Assert.Equal(WebhookVerificationOutcome.InvalidSignature, Verify(vector, vector.Body, 100, [new("wh_sec_the_other_one")], out _));
    }

    [Fact]
    public void AnInstanceDisposedMidMessage_IsResetBeforeItIsReused()
    {
        var vector = SignatureVectors.All.First(v => v.Valid);
        var secrets = new[] { new WebhookSecret(vector.Secret) };

        // Abandoned after half a body (a client that went away): its HMAC goes back to the pool.
        using (var abandoned = IncrementalSignature.Start(secrets, vector.Method, default, vector.Url, vector.Timestamp))
        {
            abandoned.Append(vector.Body.AsSpan(0, vector.Body.Length / 2));
        }

        Assert.Equal(WebhookVerificationOutcome.Valid, Verify(vector, vector.Body, int.MaxValue, secrets, out _));
    }

    private static WebhookVerificationOutcome Verify(SignatureVector vector, byte[] body, int chunk, WebhookSecret[] secrets, out byte[] signatureBytes)
    {
        var now = WebhookTimestamp.TryParse(vector.Timestamp, out var at) ? at : DateTimeOffset.UnixEpoch;
        using var signature = IncrementalSignature.Start(secrets, vector.Method, default, vector.Url, vector.Timestamp);
        for (var offset = 0; offset < body.Length; offset += Math.Min(chunk, body.Length - offset))
        {
            signature.Append(body.AsSpan(offset, Math.Min(chunk, body.Length - offset)));
        }

        signatureBytes = new byte[AxitechSignature.SizeInBytes];
        var copy = signature;
        return copy.Complete(vector.Signature, vector.Timestamp, now, _tolerance, signatureBytes, out _);
    }
}
