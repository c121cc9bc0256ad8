using Yarp.ReverseProxy.Transforms;

namespace Axitech.Gateway.Forwarding;

/// <summary>
/// Removes every header whose name contains <c>_</c> before forwarding, as nginx (<c>underscores_in_headers off</c>)
/// and Apache do by default. CGI, WSGI, Rack and PHP present headers to applications with <c>-</c> turned into <c>_</c>,
/// so <c>X_HTTP_Method_Override</c> reaches them as the <c>X-HTTP-Method-Override</c> the gateway strips.
/// </summary>
internal sealed class UnderscoreHeaderRemoval : RequestTransform
{
    public static readonly UnderscoreHeaderRemoval Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        List<string>? names = null;
        foreach (var (name, _) in context.HttpContext.Request.Headers)
        {
            if (name.Contains('_', StringComparison.Ordinal))
            {
                (names ??= []).Add(name);
            }
        }

        foreach (var name in names ?? [])
        {
            RemoveHeader(context, name);
        }

        return ValueTask.CompletedTask;
    }
}
