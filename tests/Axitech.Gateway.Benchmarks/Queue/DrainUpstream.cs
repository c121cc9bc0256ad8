using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Axitech.Gateway.Benchmarks.Queue;

/// <summary>The fast upstream of <see cref="QueueDrainBenchmark"/> and <see cref="QueueOutageBenchmark"/>: reads the body, answers 200 (503 while <see cref="Down"/>), counts, and notes when the first and the last request came.</summary>
internal sealed class DrainUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _count;
    private int _refused;
    private volatile bool _down;
    private long _firstTicks = long.MaxValue;
    private long _lastTicks;

    private DrainUpstream(WebApplication app) => _app = app;

    public string Address { get; private set; } = string.Empty;

    public int Count => Volatile.Read(ref _count);

    /// <summary>While true, every request is answered 503 (an outage) and counted in <see cref="Refused"/> only.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    /// <summary>Requests answered 503 while <see cref="Down"/>.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public (TimeSpan First, TimeSpan Last) Span => (TimeSpan.FromTicks(Interlocked.Read(ref _firstTicks)), TimeSpan.FromTicks(Interlocked.Read(ref _lastTicks)));

    public static async Task<DrainUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new DrainUpstream(app);
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        upstream.Address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return upstream;
    }

    public void Reset()
    {
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _refused, 0);
        _down = false;
        Interlocked.Exchange(ref _firstTicks, long.MaxValue);
        Interlocked.Exchange(ref _lastTicks, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var buffer = new byte[16 * 1024];
        while (await context.Request.Body.ReadAsync(buffer) > 0)
        {
        }

        if (_down)
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var now = _clock.Elapsed.Ticks;
        long first;
        while (now < (first = Interlocked.Read(ref _firstTicks)) && Interlocked.CompareExchange(ref _firstTicks, now, first) != first)
        {
        }

        long last;
        while (now > (last = Interlocked.Read(ref _lastTicks)) && Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
        }

        Interlocked.Increment(ref _count);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
