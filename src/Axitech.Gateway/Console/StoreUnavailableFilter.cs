using Axitech.Gateway.Queue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>A store that cannot be reached is a 503 page saying so, not an exception page.</summary>
internal sealed class StoreUnavailableFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var executed = await next().ConfigureAwait(false);
        if (executed.Exception is DeliveryStoreUnavailableException)
        {
            executed.ExceptionHandled = true;
            executed.Result = new ContentResult
            {
                StatusCode = StatusCodes.Status503ServiceUnavailable,
                ContentType = "text/plain; charset=utf-8",
                Content = "The delivery store cannot be reached; the gateway's log says why (event 4002). Try again shortly.",
            };
        }
    }
}
