namespace Axitech.Gateway.Listeners;

/// <summary>
/// Keeps the two listeners apart, after routing: management paths answer 404 on Public, and webhook routes (and anything
/// else) answer 404 on Management, whatever the method, case or trailing slash (a 405 would show that the path exists
/// on the other listener).
/// </summary>
internal sealed class ListenerSegregationMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewayListeners _listeners;

    public ListenerSegregationMiddleware(RequestDelegate next, GatewayListeners listeners)
    {
        _next = next;
        _listeners = listeners;
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Routing answers a known path with a method it does not serve by selecting its own 405 endpoint, which has no
        // metadata of ours: the path then decides, compared as routing compares it (any case, trailing slashes ignored).
        var endpoint = context.GetEndpoint();
        var isManagementEndpoint = endpoint?.Metadata.GetMetadata<ManagementEndpointMetadata>() is not null
            || (endpoint is not null && ManagementEndpointMetadata.IsManagementPath(context.Request.Path.Value));
        if (isManagementEndpoint != _listeners.IsManagement(context))
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return _next(context);
    }
}
