using System.Text;
using Axitech.Gateway.Testing.Deliveries;
using Axitech.Gateway.Testing.Gateways;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Axitech.Webhooks.AspNetCore.Tests.Functional;

/// <summary>A sender sees the same refusal, status and body byte for byte, from the gateway and from a service using the package.</summary>
public sealed class SameAnswersAsTheGatewayTests
{
    public static TheoryData<string> Cases => new(["tampered", "stale", "future", "missing_signature", "too_large"]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Refusal_IsTheGatewaysToTheByte(string situation)
    {
        await using var gateway = await TestGateway.StartAsync(c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = "1024");
        await using var app = await WebhookApp.StartAsync(
            a => a.MapPost(TestGateway.ClaimsPath + "/{**rest}", () => Results.Ok()).RequireAxitechSignature("axitech"),
            c =>
            {
                c["Webhooks:Policies:axitech:Secrets:0"] = TestGateway.Secret;
                c["Webhooks:Policies:axitech:MaxBodyBytes"] = "1024";
            });
        app.Clock.SetUtcNow(TimeProvider.System.GetUtcNow());
        var delivery = Delivery(situation);

        using var fromGateway = await gateway.SendAsync(delivery, cancellationToken: TestContext.Current.CancellationToken);
        using var request = delivery.ToHttpRequest(app.Address.Port);
        if (situation == "missing_signature")
        {
            request.Headers.Remove(AxitechSignature.SignatureHeaderName);
        }

        using var fromPackage = await app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(fromGateway.StatusCode, fromPackage.StatusCode);
        Assert.Equal(fromGateway.Content.Headers.ContentType?.MediaType, fromPackage.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            await fromGateway.Content.ReadAsStringAsync(TestContext.Current.CancellationToken),
            await fromPackage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static SignedRequest Delivery(string situation)
    {
        var now = TimeProvider.System.GetUtcNow();
        var target = TestGateway.ClaimsPath + "/events";
        return situation switch
        {
            "tampered" => SignedRequest.Create(target) with { Body = Encoding.UTF8.GetBytes("""{"tampered":true}""") },
            "stale" => SignedRequest.Create(target, timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddMinutes(-10))),
            "future" => SignedRequest.Create(target, timestamp: WebhookTimestamp.FormatUnixSeconds(now.AddMinutes(10))),
            "missing_signature" => SignedRequest.Create(target) with { Signature = string.Empty },
            "too_large" => SignedRequest.Create(target, new byte[2048]),
            _ => throw new ArgumentOutOfRangeException(nameof(situation)),
        };
    }
}
