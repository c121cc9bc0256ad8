using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// <c>error_type</c> on <c>http_server_request_duration_seconds</c> for 5xx answers, which the gateway sets itself
/// instead of OpenTelemetry's per-request middleware (see <c>GatewayTelemetry.TagServerError</c>).
/// </summary>
[Collection(MetricsScrapeIsolation.Name)]
public sealed class ServerErrorTypeTests
{
    private const string ServerDuration = "http_server_request_duration_seconds_count";

    [Fact]
    public async Task ForwardedDelivery_AnsweredByTheForwarder502_CarriesErrorType_AndA200CarriesNone()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(route.AddTo);
        using var delivered = await gateway.SendAsync(SignedRequest.Create(route.Target()));
        await gateway.Upstream.StopAsync();
        using var unreachable = await gateway.SendAsync(SignedRequest.Create(route.Target()));

        var template = route.Path + "/{**rest}";
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(ServerDuration, ("http_route", template)) >= 2);

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.StatusCode);
        var failed = Assert.Single(scrape.Find(ServerDuration, ("http_route", template), ("http_response_status_code", "502")));
        Assert.Equal("502", failed.Label("error_type"));
        var ok = Assert.Single(scrape.Find(ServerDuration, ("http_route", template), ("http_response_status_code", "200")));
        Assert.Null(ok.Label("error_type"));
    }

    [Fact]
    public async Task GatewaysOwn503s_RefusedDeliveryAndUnreadyHealth_CarryErrorType()
    {
        var route = IsolatedRoute.Create();

        // A Redis nobody listens on: deliveries are refused with 503 store_unavailable, and /readyz answers 503.
        using var nobody = new ClosedPort();
        await using var gateway = await StartWithUnreachableRedisAsync(route, nobody, "connectTimeout=500");
        using var refused = await gateway.SendAsync(SignedRequest.Create(route.Target()));
        using var unready = await gateway.Management.GetAsync("/readyz");

        var template = route.Path + "/{**rest}";
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(ServerDuration, ("http_route", template)) >= 1 && s.Sum(ServerDuration, ("http_route", "/readyz")) >= 1);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        Assert.Equal("503", Assert.Single(scrape.Find(ServerDuration, ("http_route", template))).Label("error_type"));
        Assert.Equal("503", Assert.Single(scrape.Find(ServerDuration, ("http_route", "/readyz"))).Label("error_type"));
    }

    [Fact]
    public async Task RefusedDelivery_WhoseSenderHasGone_IsRecordedAs499WithoutErrorType_AndCountedAsRefused()
    {
        var route = IsolatedRoute.Create();

        // Nobody listens on this Redis: the claim waits for the async timeout, 3 s, then fails. The sender gives up
        // after 1 s: long after its request is in (so the refusal is store_unavailable, not client_aborted), and long
        // before the answer, so the gateway refuses with 503 store_unavailable and no body to write.
        using var nobody = new ClosedPort();
        await using var gateway = await StartWithUnreachableRedisAsync(route, nobody, "connectTimeout=500,asyncTimeout=3000");
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gateway.SendAsync(SignedRequest.Create(route.Target()), cancellationToken: gone.Token));

        var template = route.Path + "/{**rest}";
        var scrape = await gateway.ScrapeUntilAsync(s =>
            s.Sum(ServerDuration, ("http_route", template)) >= 1 && s.Sum("axitech_gateway_webhooks_total", route.Label) >= 1);

        // ASP.NET Core records a request whose client has gone as 499 (client closed request), whatever status the
        // gateway set; an error_type of 503 there would mislabel it, so TagServerError leaves it off.
        var recorded = Assert.Single(scrape.Find(ServerDuration, ("http_route", template)));
        Assert.Equal("499", recorded.Label("http_response_status_code"));
        Assert.Null(recorded.Label("error_type"));
        Assert.Equal(1, scrape.Sum("axitech_gateway_webhooks_total", route.Label, ("outcome", "rejected"), ("reason", "store_unavailable")));
    }

    [Fact]
    public async Task ForwardedDelivery_WhoseSenderHasGone_IsRecordedAs499WithoutErrorType()
    {
        var route = IsolatedRoute.Create();
        await using var gateway = await TestGateway.StartAsync(route.AddTo);

        // The upstream takes 3 s; the sender gives up after 1 s, and the forwarder answers its own 502 to nobody.
        gateway.Upstream.Respond = async (context, request) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
            await RecordingUpstream.DefaultRespond(context, request);
        };
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gateway.SendAsync(SignedRequest.Create(route.Target()), cancellationToken: gone.Token));

        var template = route.Path + "/{**rest}";
        var scrape = await gateway.ScrapeUntilAsync(s => s.Sum(ServerDuration, ("http_route", template)) >= 1);

        var recorded = Assert.Single(scrape.Find(ServerDuration, ("http_route", template)));
        Assert.Equal("499", recorded.Label("http_response_status_code"));
        Assert.Null(recorded.Label("error_type"));
    }

    [Fact]
    public async Task OpenTelemetrysOwnErrorTypeMiddleware_IsNotInThePipeline()
    {
        await using var gateway = await TestGateway.StartAsync();

        var filters = gateway.App.Services.GetServices<IStartupFilter>().Select(f => f.GetType().FullName!).ToList();

        Assert.DoesNotContain(filters, name => name.StartsWith("OpenTelemetry.", StringComparison.Ordinal));
    }

    /// <summary>A gateway whose duplicate store is a Redis at a port nobody listens on, with these client timeouts.</summary>
    private static Task<TestGateway> StartWithUnreachableRedisAsync(IsolatedRoute route, ClosedPort redis, string timeouts)
        => TestGateway.StartAsync(c =>
        {
            route.AddTo(c);
            c["ConnectionStrings:Redis"] = $"127.0.0.1:{redis.Port},{timeouts}";
        });
}
