using System.Net;

namespace Axitech.Gateway.Commands;

/// <summary>What came back from one <c>send</c>: the status, the gateway's reason code if it refused, the duplicate marker, the time taken, and a queued route's delivery id.</summary>
internal sealed record SendResult(HttpStatusCode Status, string? Reason, bool Duplicate, TimeSpan Elapsed, string? DeliveryId = null);
