using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>One delivery: what the store knows of it, never its body or signature.</summary>
public sealed class DeliveryModel(IConsoleDeliveries deliveries) : PageModel
{
    public ConsoleDelivery? Delivery { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Delivery = await deliveries.GetDeliveryAsync(id, cancellationToken).ConfigureAwait(false);
        return Delivery is null ? NotFound() : Page();
    }
}
