namespace Axitech.Gateway.Listeners;

/// <summary>
/// Keeps the two listeners apart, after routing: management endpoints answer 404 on Public, and webhook routes (and
/// anything else) answer 404 on Management.
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
        var isManagementEndpoint = context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpointMetadata>() is not null;
        if (isManagementEndpoint != _listeners.IsManagement(context))
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return _next(context);
    }
}
