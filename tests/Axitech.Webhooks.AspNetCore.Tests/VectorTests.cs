using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary>
/// Every vendor vector, on each target framework this project builds for: through the verifier itself, and posted to
/// a real endpoint protected by <c>RequireAxitechSignature</c>.
/// </summary>
public sealed class VectorTests
{
    private static readonly TimeSpan _tolerance = TimeSpan.FromMinutes(5);

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public void ValidVector_VerifiesAndIsWhatSignComputes(string name)
    {
        var vector = SignatureVectors.Named(name);

        Assert.Equal(WebhookVerificationOutcome.Valid, Verify(vector));
        Assert.Equal(vector.Signature, AxitechSignature.Sign(vector.Secret, vector.Method, vector.Url, vector.Timestamp, vector.Body));
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.InvalidNames), MemberType = typeof(SignatureVectors))]
    public void InvalidVector_IsInvalidSignature(string name)
        => Assert.Equal(WebhookVerificationOutcome.InvalidSignature, Verify(SignatureVectors.Named(name)));

    [Theory]
    [MemberData(nameof(SignatureVectors.ValidNames), MemberType = typeof(SignatureVectors))]
    public async Task ValidVector_PostedToAProtectedEndpoint_ReachesTheHandlerWithTheSameBytes(string name)
    {
        var vector = SignatureVectors.Named(name);
        var received = new Received();
        await using var app = await StartAsync(vector, received);

        using var response = await app.Client.SendAsync(app.Request(vector.Method, vector.Url, vector.Body, vector.Timestamp, vector.Signature), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(vector.Body, Assert.Single(received.Bodies));
    }

    [Theory]
    [MemberData(nameof(SignatureVectors.InvalidNames), MemberType = typeof(SignatureVectors))]
    public async Task InvalidVector_PostedToAProtectedEndpoint_Is401InvalidSignature_AndTheHandlerDoesNotRun(string name)
    {
        var vector = SignatureVectors.Named(name);
        var received = new Received();
        await using var app = await StartAsync(vector, received);

        using var response = await app.Client.SendAsync(app.Request(vector.Method, vector.Url, vector.Body, vector.Timestamp, vector.Signature), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_signature", await Problem.ReasonAsync(response));
        Assert.Equal(0, received.Count);
    }

    private static Task<WebhookApp> StartAsync(SignatureVector vector, Received received)
        => WebhookApp.StartAsync(
            app => app.Map("/{**path}", async (HttpRequest request) => { await received.ReadAsync(request); return Results.Ok(); })
                .RequireAxitechSignature("vectors"),
            c => c["Webhooks:Policies:vectors:Secrets:0"] = vector.Secret);

    private static WebhookVerificationOutcome Verify(SignatureVector vector)
    {
        var prefix = new byte[AxitechSignature.GetPrefixByteCount(vector.Method, default, vector.Url, vector.Timestamp)];
        AxitechSignature.WritePrefix(prefix, vector.Method, default, vector.Url, vector.Timestamp);
        byte[] message = [.. prefix, .. vector.Body];
        Assert.True(WebhookTimestamp.TryParse(vector.Timestamp, out var signedAt));
        var signatureBytes = new byte[AxitechSignature.SizeInBytes];
        return WebhookVerifier.Verify(message, vector.Signature, vector.Timestamp, [new WebhookSecret(vector.Secret)], signedAt, _tolerance, signatureBytes, out _);
    }
}
