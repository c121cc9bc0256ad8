using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// Builds the app's endpoints when it starts, so that an endpoint naming a policy that is not configured, or asking for
/// idempotency without verification, stops the start-up with a message instead of failing its first request. Runs
/// after the server's own start (which is when the endpoints are known).
/// </summary>
internal sealed class WebhookEndpointCheck : IHostedService
{
    private readonly EndpointDataSource? _endpoints;

    public WebhookEndpointCheck(IEnumerable<EndpointDataSource> endpoints)
    {
        _endpoints = endpoints.FirstOrDefault();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Enumerating the endpoints runs their conventions, where the checks are (WebhookEndpointPipeline).
        _ = _endpoints?.Endpoints.Count;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
