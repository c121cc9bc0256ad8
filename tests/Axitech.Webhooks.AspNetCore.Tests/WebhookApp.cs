using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary>
/// A real ASP.NET Core app on Kestrel (loopback, port 0) using the package, with a fake clock, the policy
/// <c>axitech</c> (<see cref="Secret"/>) and the endpoints the test maps.
/// </summary>
internal sealed class WebhookApp : IAsyncDisposable
{
    public const string Secret = "wh_sec_package_tests_secret";

    private readonly WebApplication _app;

    private WebhookApp(WebApplication app, FakeTimeProvider clock, Uri address)
    {
        _app = app;
        Clock = clock;
        Address = address;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Now, as the app sees it: the start of 2023-01-01T12:00:00Z, the vendor vectors' instant.</summary>
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1672574400);

    public FakeTimeProvider Clock { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<WebhookApp> StartAsync(
        Action<WebApplication> map,
        Action<Dictionary<string, string?>>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        var configuration = new Dictionary<string, string?>
        {
            ["Webhooks:Policies:axitech:Secrets:0"] = Secret,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        configure?.Invoke(configuration);

        // Only what the test says: no appsettings.json (the sample's lands in this output folder) and no environment.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var clock = new FakeTimeProvider(Now);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddAxitechWebhooks();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        try
        {
            map(app);
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new WebhookApp(app, clock, new Uri(address));
    }

    /// <summary>A request signed now (by <see cref="Clock"/>) for <paramref name="target"/>, sent exactly as given.</summary>
    public HttpRequestMessage Signed(string target, byte[] body, string? secret = null, string? timestamp = null, bool chunked = false)
    {
        timestamp ??= WebhookTimestamp.FormatUnixSeconds(Clock.GetUtcNow());
        return Request("POST", target, body, timestamp, AxitechSignature.Sign(secret ?? Secret, "POST", target, timestamp, body), chunked);
    }

    public HttpRequestMessage Request(string method, string target, byte[] body, string timestamp, string signature, bool chunked = false)
    {
        var uri = new Uri($"{Address.GetLeftPart(UriPartial.Authority)}{target}", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        var request = new HttpRequestMessage(new HttpMethod(method), uri);
        request.Headers.TryAddWithoutValidation(AxitechSignature.SignatureHeaderName, signature);
        request.Headers.TryAddWithoutValidation(AxitechSignature.TimestampHeaderName, timestamp);
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Content = content;
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>A stream without a length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
