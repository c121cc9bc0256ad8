using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>
/// Pause or resume a route, in two POSTs: the first asks for confirmation, the second does it (through the store's hold,
/// as <c>deliveries pause|resume</c> do, so every replica follows within 2 seconds) and says what it did. Operator only
/// (the page's policy answers 403 to anyone else before a handler runs); every POST carries the antiforgery token.
/// </summary>
public sealed class PauseModel(IConsoleDeliveries deliveries) : PageModel
{
    [BindProperty(Name = "route")]
    public string Route { get; set; } = string.Empty;

    [BindProperty(Name = "pause")]
    public bool Pause { get; set; }

    public string? Outcome { get; private set; }

    public bool Failed { get; private set; }

    public IActionResult OnGet() => Redirect("/console");

    public IActionResult OnPostConfirm() => string.IsNullOrEmpty(Route) ? Redirect("/console") : Page();

    public async Task<IActionResult> OnPostApplyAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(Route))
        {
            return Redirect("/console");
        }

        bool changed;
        try
        {
            changed = await deliveries.SetPausedAsync(Route, Pause, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            Failed = true;
            Outcome = e.Message.Split(" (Parameter", 2)[0];
            return Page();
        }

        HttpContext.RequestServices.GetRequiredService<ConsoleAudit>().Held(User.Identity?.Name, Route, Pause, changed);
        Outcome = Pause
            ? changed ? $"Paused route {Route}: it accepts and attempts nothing until it is resumed." : $"Route {Route} was already paused."
            : changed ? $"Resumed route {Route}: its pending deliveries are attempted again, oldest first." : $"Route {Route} was not paused.";
        return Page();
    }
}
