using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>The routes page: each webhook route, and its queue's backlog when it queues.</summary>
public sealed class IndexModel(IConsoleDeliveries deliveries) : PageModel
{
    public IReadOnlyList<ConsoleRoute> Routes { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
        => Routes = await deliveries.GetRoutesAsync(cancellationToken).ConfigureAwait(false);
}
