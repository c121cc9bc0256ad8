using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>The deliveries page: filtered, paged (keyset: "after" is the last row of the previous page), either order.</summary>
public sealed class DeliveriesModel(IConsoleDeliveries deliveries) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public DeliveryFilterForm Filter { get; set; } = new();

    [BindProperty(SupportsGet = true, Name = "after")]
    public string? After { get; set; }

    public IReadOnlyList<string> Routes => deliveries.QueuedRouteIds;

    public ConsoleDeliveryPage Results { get; private set; } = new([], null);

    public async Task OnGetAsync(CancellationToken cancellationToken)
        => Results = await deliveries.GetDeliveriesAsync(Filter.ToFilter(), After, PageSize, cancellationToken).ConfigureAwait(false);
}
