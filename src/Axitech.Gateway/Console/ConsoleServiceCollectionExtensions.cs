using Axitech.Gateway.Configuration;
using Axitech.Gateway.Listeners;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Features;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// The delivery console: Razor Pages under <c>/console/</c> on the Management listener, signed in with a cookie. Nothing
/// is registered or mapped when <c>Gateway:Console:Users</c> is empty, so <c>/console/</c> is then 404 everywhere.
/// </summary>
internal static class ConsoleServiceCollectionExtensions
{
    public const string Scheme = "AxitechConsole";
    public const string ViewerPolicy = "ConsoleViewer";
    public const string OperatorPolicy = "ConsoleOperator";
    public const string PathPrefix = "/console";
    public const string SignInPath = "/console/sign-in";
    public const string StylesheetPath = "/console/console.css";

    public static IServiceCollection AddGatewayConsole(this IServiceCollection services, GatewaySnapshot snapshot)
    {
        var options = snapshot.Gateway.Console;
        if (options.Users.Count == 0)
        {
            return services;
        }

        services.AddSingleton<ConsoleAudit>();
        services.AddSingleton<ConsoleSignIn>();
        services.AddSingleton<IConsoleDeliveries, StoreConsoleDeliveries>();

        // The default scheme, but authentication runs only on /console paths (MapGatewayConsole): webhook requests
        // never read a cookie. The cookie is sealed with the gateway's data-protection keys, which stay in memory
        // (InMemoryXmlRepository): a restart signs everyone out, and a sign-in on one replica is not one on another.
        services.AddAuthentication(Scheme).AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "axgw_console";
            cookie.Cookie.Path = PathPrefix;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = options.SessionTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = SignInPath;
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                // A Viewer's action is 403, not a redirect to a page that does not exist.
                context.HttpContext.RequestServices.GetRequiredService<ConsoleAudit>()
                    .Refused(context.HttpContext.User.Identity?.Name, context.Request.Method, context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(ViewerPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser())
            .AddPolicy(OperatorPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(ConsoleRoles.Operator));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "axgw_console_antiforgery";
            antiforgery.Cookie.Path = PathPrefix;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

            // ConsoleSecurityHeadersMiddleware sends DENY and frame-ancestors 'none' already.
            antiforgery.SuppressXFrameOptionsHeader = true;
        });

        // Every POST is checked for its antiforgery token (Razor Pages' default); every page needs a signed-in user,
        // and the replay page the Operator role (403 otherwise, before its handler runs).
        services.AddRazorPages(pages =>
            {
                pages.RootDirectory = "/Console/Pages";
                pages.Conventions.AuthorizeFolder("/", ViewerPolicy);
                pages.Conventions.AllowAnonymousToPage("/SignIn");
                pages.Conventions.AuthorizePage("/Replay", OperatorPolicy);
                pages.Conventions.AuthorizePage("/Pause", OperatorPolicy);
            })
            .AddMvcOptions(mvc => mvc.Filters.Add<StoreUnavailableFilter>())
            // The pages are compiled into this assembly, which is not the entry assembly under the tests' host.
            .ConfigureApplicationPartManager(parts => parts.ApplicationParts.Clear())
            .AddApplicationPart(typeof(ConsoleServiceCollectionExtensions).Assembly);
        return services;
    }

    /// <summary>The console's endpoints (Management listener only) and the middleware of its paths; nothing without users.</summary>
    public static WebApplication MapGatewayConsole(this WebApplication app)
    {
        if (app.Services.GetRequiredService<GatewaySnapshotSource>().Current.Gateway.Console.Users.Count == 0)
        {
            return app;
        }

        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase),
            console =>
            {
                console.UseMiddleware<ConsoleSecurityHeadersMiddleware>();
                console.UseAuthentication();
                console.UseAuthorization();
            });
        // Every method: a 405 endpoint would carry no metadata of ours, and the Public listener must answer 404.
        app.Map(StylesheetPath, ConsoleAssets.WriteStylesheetAsync).WithMetadata(ManagementEndpointMetadata.Instance);
        app.MapRazorPages().WithMetadata(ManagementEndpointMetadata.Instance);
        return app;
    }
}
