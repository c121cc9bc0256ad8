using System.Security.Cryptography;

namespace Axitech.Gateway.Demo;

/// <summary>
/// The demo upstream for Development: a tiny receiver on its own port that answers 200 with what it received (method,
/// target, body length and SHA-256), never the body itself. On when <c>Demo:EchoReceiverUrl</c> is set.
/// </summary>
internal sealed partial class EchoReceiver : IHostedService, IAsyncDisposable
{
    public const string UrlKey = "Demo:EchoReceiverUrl";

    private readonly string _url;
    private readonly ILogger<EchoReceiver> _logger;
    private WebApplication? _app;

    public EchoReceiver(IConfiguration configuration, ILogger<EchoReceiver> logger)
    {
        _url = configuration[UrlKey]!;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(_url);
        _app = builder.Build();
        _app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
            Log.Received(_logger, context.Request.Method, target, buffer.Length);
            await context.Response.WriteAsJsonAsync(
                new { received = true, method = context.Request.Method, target, bodyBytes = buffer.Length, bodySha256 = sha256 },
                context.RequestAborted).ConfigureAwait(false);
        });
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        Log.Listening(_logger, _url);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(9001, LogLevel.Information, "Demo echo receiver (the demo upstream) listening on {Url}.")]
        public static partial void Listening(ILogger logger, string url);

        [LoggerMessage(9002, LogLevel.Information, "Demo echo receiver got {Method} {Target} with {Length} body bytes.")]
        public static partial void Received(ILogger logger, string method, string target, long length);
    }
}
