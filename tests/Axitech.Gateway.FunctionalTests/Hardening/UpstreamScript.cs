using System.Collections.Concurrent;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// Makes the recording upstream misbehave by attempt: the behaviour receives how many times this body has arrived
/// (1 for the first copy) and answers, fails, stalls or resets. Counts, per body, the copies the upstream itself
/// acknowledged with a 2xx: "delivered exactly once" means that count is 1.
/// </summary>
public sealed class UpstreamScript
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentDictionary<string, int> _acknowledged = new();

    public UpstreamScript(RecordingUpstream upstream, Func<int, HttpContext, Task<bool>> behaviour)
        => upstream.Respond = async (context, request) =>
        {
            var key = Convert.ToHexString(request.Body);
            var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (await behaviour(attempt, context))
            {
                _acknowledged.AddOrUpdate(key, 1, (_, n) => n + 1);
            }
        };

    public int Acknowledged(byte[] body) => _acknowledged.GetValueOrDefault(Convert.ToHexString(body));

    public int Attempts(byte[] body) => _attempts.GetValueOrDefault(Convert.ToHexString(body));

    public static async Task<bool> Ok(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        await context.Response.WriteAsync("ok");
        return true;
    }

    public static Task<bool> Status(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.FromResult(false);
    }

    public static Task<bool> Reset(HttpContext context)
    {
        context.Abort();
        return Task.FromResult(false);
    }

    /// <summary>Answers 200 after <paramref name="delay"/>, unless the gateway gives up first (as a real service would notice).</summary>
    public static async Task<bool> Slow(HttpContext context, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return await Ok(context);
    }
}
