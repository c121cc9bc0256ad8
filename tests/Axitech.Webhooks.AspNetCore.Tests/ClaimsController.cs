using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace Axitech.Webhooks.AspNetCore.Tests;

[ApiController]
[Route("mvc/claims")]
[AxitechSignature("axitech")]
public sealed class ClaimsController : ControllerBase
{
    private static int _runs;

    /// <summary>How often an action of this controller ran whose body failed to verify (it never should).</summary>
    public static int Runs => Volatile.Read(ref _runs);

    [HttpPost]
    public IActionResult Receive([FromBody] JsonElement delivery)
    {
        var sessionId = delivery.GetProperty("data").GetProperty("sessionId").GetString();
        if (sessionId != "mvc-1")
        {
            Interlocked.Increment(ref _runs);
        }

        return Content(sessionId ?? string.Empty);
    }
}
