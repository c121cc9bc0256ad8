using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary><c>RequireAxitechSignature</c> on a real minimal API endpoint: the gateway's refusals, and the handler's view of the body.</summary>
public sealed class SignatureEndpointTests
{
    private static readonly byte[] _body = Encoding.UTF8.GetBytes("""{"event_type":"session.submitted","data":{"sessionId":"s-1"}}""");

    [Fact]
    public async Task TamperedBody_Is401InvalidSignature_AndTheHandlerDoesNotRun()
    {
        var received = new Received();
        await using var app = await StartAsync(received);
        var request = app.Signed("/hooks", _body);
        request.Content = new ByteArrayContent([.. _body[..^2], (byte)' ', (byte)'}']);

        using var response = await app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_signature", await Problem.ReasonAsync(response));
        Assert.Equal(0, received.Count);
    }

    [Fact]
    public async Task StaleTimestamp_Is401StaleTimestamp_AndTheHandlerDoesNotRun()
    {
        var received = new Received();
        await using var app = await StartAsync(received);
        var request = app.Signed("/hooks", _body);
        app.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        using var response = await app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("stale_timestamp", await Problem.ReasonAsync(response));
        Assert.Equal(0, received.Count);
    }

    [Theory]
    [InlineData(null, "ambiguous_timestamp", false)]
    [InlineData("UnixSeconds", "timestamp_format", true)]
    public async Task TheTimestampBodySlide_IsRefusedAsByTheGateway(string? format, string slidReason, bool originalAccepted)
    {
        var received = new Received();
        await using var app = await StartAsync(received, c => c["Webhooks:Policies:axitech:TimestampFormat"] = format);
        var timestamp = WebhookTimestamp.FormatUnixSeconds(app.Clock.GetUtcNow());
        var original = app.Signed("/hooks", "123456"u8.ToArray(), timestamp: timestamp);
        var signature = original.Headers.GetValues(AxitechSignature.SignatureHeaderName).Single();
        using var slid = new HttpRequestMessage(HttpMethod.Post, "/hooks") { Content = new ByteArrayContent("456"u8.ToArray()) };
        slid.Headers.Add(AxitechSignature.SignatureHeaderName, signature);
        slid.Headers.Add(AxitechSignature.TimestampHeaderName, timestamp + "123");

        using var slidResponse = await app.Client.SendAsync(slid, TestContext.Current.CancellationToken);
        using var originalResponse = await app.Client.SendAsync(original, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, slidResponse.StatusCode);
        Assert.Equal(slidReason, await Problem.ReasonAsync(slidResponse));
        Assert.Equal(originalAccepted ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, originalResponse.StatusCode);
        Assert.Equal(originalAccepted ? 1 : 0, received.Count);
    }

    [Fact]
    public async Task MissingSignature_Is401MissingSignature()
    {
        await using var app = await StartAsync(new Received());
        var request = app.Signed("/hooks", _body);
        request.Headers.Remove(AxitechSignature.SignatureHeaderName);

        using var response = await app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("missing_signature", await Problem.ReasonAsync(response));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOverTheLimit_Is413BodyTooLarge_DeclaredOrStreamed(bool chunked)
    {
        var received = new Received();
        await using var app = await StartAsync(received, c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = "1024");
        var body = new byte[1025];

        using var response = await app.Client.SendAsync(app.Signed("/hooks", body, chunked: chunked), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", await Problem.ReasonAsync(response));
        Assert.Equal(0, received.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyAtTheLimit_ReachesTheHandler_WithTheSameBytes(bool chunked)
    {
        var received = new Received();
        await using var app = await StartAsync(received, c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = "70000");
        var body = new byte[70000];
        Random.Shared.NextBytes(body);

        using var response = await app.Client.SendAsync(app.Signed("/hooks?tenant=7&x=%20y", body, chunked: chunked), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(received.Bodies));
    }

    [Fact]
    public async Task VerifiedBody_IsBoundAsAModel_AsIfNothingHadReadIt()
    {
        await using var app = await WebhookApp.StartAsync(a => a.MapPost("/model", ([FromBody] JsonElement delivery) => Results.Text(delivery.GetProperty("data").GetProperty("sessionId").GetString()))
            .RequireAxitechSignature("axitech"));

        using var response = await app.Client.SendAsync(app.Signed("/model", _body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("s-1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task BadConfiguration_FailsAtStartUp_ListingEveryProblem()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WebhookApp.StartAsync(
            a => a.MapPost("/hooks", () => Results.Ok()).RequireAxitechSignature("axitech"),
            c =>
            {
                c["Webhooks:Policies:axitech:Secrets:0"] = " ";
                c["Webhooks:Policies:axitech:MaxBodyBytes"] = "0";
                c["Webhooks:Policies:other:Secrets:0"] = "wh_sec_other";
                c["Webhooks:Policies:other:Tolerance"] = "-00:00:01";
            }));

        var message = error.ToString();
        Assert.Contains("Webhooks:Policies:axitech has no secret", message, StringComparison.Ordinal);
        Assert.Contains("Webhooks:Policies:axitech:MaxBodyBytes is 0", message, StringComparison.Ordinal);
        Assert.Contains("Webhooks:Policies:other:Tolerance is -00:00:01", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointNamingAnUnconfiguredPolicy_FailsAtStartUp()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WebhookApp.StartAsync(
            a => a.MapPost("/hooks", () => Results.Ok()).RequireAxitechSignature("axitek")));

        Assert.Contains("policy 'axitek', which is not configured under Webhooks:Policies", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdempotencyWithoutVerification_FailsAtStartUp()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WebhookApp.StartAsync(
            a => a.MapPost("/hooks", () => Results.Ok()).RequireDeliveryIdempotency()));

        Assert.Contains("without RequireAxitechSignature", error.ToString(), StringComparison.Ordinal);
    }

    private static Task<WebhookApp> StartAsync(Received received, Action<Dictionary<string, string?>>? configure = null)
        => WebhookApp.StartAsync(
            a => a.MapPost("/hooks", async (HttpRequest request) => { await received.ReadAsync(request); return Results.Ok(); })
                .RequireAxitechSignature("axitech"),
            configure);
}
