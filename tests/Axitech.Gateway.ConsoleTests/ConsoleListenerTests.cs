using System.Net;

namespace Axitech.Gateway.ConsoleTests;

/// <summary>Where the console answers: the Management listener only, and only when a user is configured.</summary>
public sealed class ConsoleListenerTests
{
    private static readonly string[] _paths = ["/console", "/console/", "/console/sign-in", "/console/deliveries", "/console/console.css", $"/console/deliveries/{Guid.NewGuid()}"];

    [Fact]
    public async Task Console_Answers404_OnThePublicListener_AndIsServedOnManagement()
    {
        await using var console = await ConsoleGateway.StartAsync();
        using var publicClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(console.PublicUrl) };
        using var management = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(console.ManagementUrl) };

        foreach (var path in _paths)
        {
            using var get = await publicClient.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            using var post = await publicClient.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }

        // The same paths on Management: the sign-in form, the stylesheet, and a redirect to sign in for the rest.
        using var signIn = await management.GetAsync(new Uri("/console/sign-in", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Equal("default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", signIn.Headers.GetValues("Content-Security-Policy").Single());
        using var stylesheet = await management.GetAsync(new Uri("/console/console.css", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        Assert.Equal("text/css", stylesheet.Content.Headers.ContentType?.MediaType);
        using var routes = await management.GetAsync(new Uri("/console/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, routes.StatusCode);
        Assert.Equal("/console/sign-in", new Uri(new Uri(console.ManagementUrl), routes.Headers.Location!).AbsolutePath);
    }

    [Fact]
    public async Task Console_Answers404_EverywhereWhenNoUserIsConfigured()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var publicClient = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{gateway.PublicPort}") };
        using var management = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{gateway.ManagementPort}") };

        foreach (var client in new[] { publicClient, management })
        {
            foreach (var path in _paths)
            {
                using var get = await client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
            }
        }

        // Management still serves what it always did.
        using var healthz = await management.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
    }
}
