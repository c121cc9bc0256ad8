using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>
/// Replay, in two POSTs: the first asks for confirmation with the number it would affect, the second does it and says
/// how many it affected. Operator only (the page's policy answers 403 to anyone else before a handler runs); every POST
/// carries the antiforgery token.
/// </summary>
public sealed class ReplayModel(IConsoleDeliveries deliveries) : PageModel
{
    /// <summary>At most this many ids in one selection: a page's worth, with room.</summary>
    private const int MaxSelected = 500;

    [BindProperty]
    public DeliveryFilterForm Filter { get; set; } = new();

    [BindProperty(Name = "ids")]
    public List<Guid> Ids { get; set; } = [];

    public IReadOnlyList<Guid> Selected { get; private set; } = [];

    public int? MatchingCount { get; private set; }

    public int? Replayed { get; private set; }

    public string? Outcome { get; private set; }

    public IActionResult OnGet() => Redirect("/console/deliveries");

    public IActionResult OnPostSelected()
    {
        Selected = [.. Ids.Distinct().Take(MaxSelected)];
        return Page();
    }

    public async Task<IActionResult> OnPostMatchingAsync(CancellationToken cancellationToken)
    {
        MatchingCount = await deliveries.CountDeadAsync(Filter.ToFilter(), cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostApplySelectedAsync(CancellationToken cancellationToken)
    {
        var ids = Ids.Distinct().Take(MaxSelected).ToList();
        var routes = new List<string>();
        foreach (var id in ids)
        {
            if (await deliveries.GetDeliveryAsync(id, cancellationToken).ConfigureAwait(false) is { } delivery)
            {
                routes.Add(delivery.RouteId);
            }
        }

        Replayed = await deliveries.ReplayAsync(ids, cancellationToken).ConfigureAwait(false);
        HttpContext.RequestServices.GetRequiredService<ConsoleAudit>().Replayed(User.Identity?.Name, ids, routes, Replayed.Value);
        Outcome = string.Create(CultureInfo.InvariantCulture, $"Replayed {Replayed} of {ids.Count} selected {(ids.Count == 1 ? "delivery" : "deliveries")}.")
            + (Replayed < ids.Count ? " The others are being attempted right now or no longer exist." : string.Empty);
        return Page();
    }

    public async Task<IActionResult> OnPostApplyMatchingAsync(CancellationToken cancellationToken)
    {
        var filter = Filter.ToFilter();
        Replayed = await deliveries.ReplayDeadAsync(filter, cancellationToken).ConfigureAwait(false);
        HttpContext.RequestServices.GetRequiredService<ConsoleAudit>().ReplayedDead(User.Identity?.Name, filter, Replayed.Value);
        Outcome = string.Create(CultureInfo.InvariantCulture, $"Replayed {Replayed} dead {(Replayed == 1 ? "delivery" : "deliveries")}.");
        return Page();
    }
}
