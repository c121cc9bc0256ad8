using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ClaimsReceiver;

/// <summary>The webhook handler: the body arrives bound as a model, read from the bytes the signature covered.</summary>
public static partial class ClaimsEndpoint
{
    public static async Task<IResult> ReceiveAsync(
        [FromBody] SessionSubmitted delivery,
        [FromHeader(Name = "X-Axitech-Delivery-Id")] string? deliveryId,
        ClaimLedger ledger,
        IOptions<ClaimsReceiverOptions> options,
        ILoggerFactory loggers)
    {
        var id = deliveryId ?? delivery.Data?.SessionId ?? "unknown";
        Log.Processing(loggers.CreateLogger(typeof(ClaimsEndpoint).FullName!), id);

        // Processing takes a while (the tests make it long, to kill the gateway in the middle of it); a sender that
        // hangs up does not undo work that has begun, so the request's token is deliberately not passed on.
        if (options.Value.ProcessingDelay > TimeSpan.Zero)
        {
            await Task.Delay(options.Value.ProcessingDelay);
        }

        ledger.Record(id);
        return Results.Ok();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Processing delivery {DeliveryId}.")]
        public static partial void Processing(ILogger logger, string deliveryId);
    }
}
