using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ClaimsReceiver;

/// <summary>The webhook handler: the body arrives bound as a model, read from the bytes the signature covered.</summary>
public static class ClaimsEndpoint
{
    public static async Task<IResult> ReceiveAsync(
        [FromBody] SessionSubmitted delivery,
        [FromHeader(Name = "X-Axitech-Delivery-Id")] string? deliveryId,
        ClaimLedger ledger,
        IOptions<ClaimsReceiverOptions> options)
    {
        // Processing takes a while (the tests make it long, to kill the gateway in the middle of it); a sender that
        // hangs up does not undo work that has begun, so the token is deliberately not passed on.
        if (options.Value.ProcessingDelay > TimeSpan.Zero)
        {
            await Task.Delay(options.Value.ProcessingDelay);
        }

        ledger.Record(deliveryId ?? delivery.Data?.SessionId ?? "unknown");
        return Results.Ok();
    }
}
