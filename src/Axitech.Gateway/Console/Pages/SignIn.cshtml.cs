using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>The sign-in form (anonymous), and sign-out as its second handler.</summary>
public sealed class SignInModel : PageModel
{
    public string? Message { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public IActionResult OnGet()
        => User.Identity?.IsAuthenticated == true ? LocalRedirect(Destination()) : Page();

    public async Task<IActionResult> OnPostAsync(string? name, string? password)
    {
        var signIn = HttpContext.RequestServices.GetRequiredService<ConsoleSignIn>();
        var client = HttpContext.Connection.RemoteIpAddress ?? IPAddress.None;
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        switch (signIn.Check(client, name, password, out var principal))
        {
            case SignInOutcome.SignedIn:
                await HttpContext.SignInAsync(ConsoleServiceCollectionExtensions.Scheme, principal!).ConfigureAwait(false);
                return LocalRedirect(Destination());
            case SignInOutcome.Throttled:
                Response.Headers.RetryAfter = signIn.RetryAfterSeconds;
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                Message = $"Too many failed sign-ins from your address. Try again in {signIn.RetryAfterSeconds} seconds.";
                return Page();
            default:
                Message = "Wrong name or password.";
                return Page();
        }
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        HttpContext.RequestServices.GetRequiredService<ConsoleAudit>().SignedOut(User.Identity?.Name);
        await HttpContext.SignOutAsync(ConsoleServiceCollectionExtensions.Scheme).ConfigureAwait(false);
        return LocalRedirect(ConsoleServiceCollectionExtensions.SignInPath);
    }

    /// <summary>Back where the sign-in was asked for, when that is a console page; the routes page otherwise.</summary>
    private string Destination()
        => ReturnUrl is { } url && Url.IsLocalUrl(url) && url.StartsWith(ConsoleServiceCollectionExtensions.PathPrefix + "/", StringComparison.OrdinalIgnoreCase)
            ? url
            : ConsoleServiceCollectionExtensions.PathPrefix + "/";
}
