using ClaimsReceiver;

// A minimal API behind a queued route of the Axitech gateway: every delivery verified with the gateway's own verifier,
// and processed once even when the gateway delivers it again (a crash mid-attempt, a retry after a timeout).
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAxitechWebhooks();
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    // Several instances share one record of processed deliveries.
    builder.Services.AddStackExchangeRedisCache(options => options.Configuration = redis);
}

builder.Services.AddSingleton<ClaimLedger>();
builder.Services.Configure<ClaimsReceiverOptions>(builder.Configuration.GetSection(ClaimsReceiverOptions.SectionName));

var app = builder.Build();
app.MapPost("/webhooks/claims/{**rest}", ClaimsEndpoint.ReceiveAsync)
    .RequireAxitechSignature("axitech")
    .RequireDeliveryIdempotency();
app.MapGet("/processed", (ClaimLedger ledger) => Results.Ok(ledger.Counts()));
app.Run();
