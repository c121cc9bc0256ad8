namespace Axitech.Gateway.DeliveryConsole;

/// <summary>A page of deliveries and where the next one starts (null on the last page).</summary>
public sealed record ConsoleDeliveryPage(IReadOnlyList<ConsoleDelivery> Items, string? Next);
