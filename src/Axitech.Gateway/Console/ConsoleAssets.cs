namespace Axitech.Gateway.DeliveryConsole;

/// <summary>The console's one static asset, its stylesheet, embedded in the assembly and served from memory.</summary>
internal static class ConsoleAssets
{
    private static readonly Lazy<byte[]> _stylesheet = new(() =>
    {
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream("Axitech.Gateway.Console.console.css")
            ?? throw new InvalidOperationException("The console's stylesheet is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static Task WriteStylesheetAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        context.Response.ContentType = "text/css; charset=utf-8";
        return context.Response.Body.WriteAsync(_stylesheet.Value, context.RequestAborted).AsTask();
    }
}
