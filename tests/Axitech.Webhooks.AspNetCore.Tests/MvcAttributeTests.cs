using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary><c>[AxitechSignature]</c> on a real MVC controller: verified before model binding, refused as the gateway refuses.</summary>
public sealed class MvcAttributeTests
{
    private static readonly byte[] _body = Encoding.UTF8.GetBytes("""{"event_type":"session.submitted","data":{"sessionId":"mvc-1"}}""");

    [Fact]
    public async Task SignedDelivery_IsBoundByTheAction_FromTheVerifiedBytes()
    {
        await using var app = await StartAsync();

        using var response = await app.Client.SendAsync(app.Signed("/mvc/claims", _body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mvc-1", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task TamperedBody_Is401InvalidSignature_AndTheActionDoesNotRun()
    {
        await using var app = await StartAsync();
        var request = app.Signed("/mvc/claims", _body);
        request.Content = new StringContent("""{"event_type":"session.submitted","data":{"sessionId":"mvc-2"}}""", Encoding.UTF8, "application/json");

        using var response = await app.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_signature", await Problem.ReasonAsync(response));
        Assert.Equal(0, ClaimsController.Runs);
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413()
    {
        await using var app = await StartAsync(c => c["Webhooks:Policies:axitech:MaxBodyBytes"] = "16");

        using var response = await app.Client.SendAsync(app.Signed("/mvc/claims", _body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", await Problem.ReasonAsync(response));
    }

    private static Task<WebhookApp> StartAsync(Action<Dictionary<string, string?>>? configure = null)
        => WebhookApp.StartAsync(
            a => a.MapControllers(),
            configure,
            s => s.AddControllers().AddApplicationPart(typeof(ClaimsController).Assembly));
}
