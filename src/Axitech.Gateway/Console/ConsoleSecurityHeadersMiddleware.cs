using Microsoft.Net.Http.Headers;

namespace Axitech.Gateway.DeliveryConsole;

/// <summary>
/// Headers on every console response: a Content-Security-Policy that allows only the gateway's own stylesheet and
/// forms (no script at all, nothing from elsewhere, no framing), no caching of pages that show the queue, no referrer.
/// </summary>
internal sealed class ConsoleSecurityHeadersMiddleware
{
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private readonly RequestDelegate _next;

    public ConsoleSecurityHeadersMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Exactly what antiforgery sets on a page with a form, so that it has nothing to override (and log).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        return _next(context);
    }
}
