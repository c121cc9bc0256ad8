namespace Axitech.Gateway.DeliveryConsole;

/// <summary>The deliveries page's filter, as given in its query string. Empty members do not filter.</summary>
public sealed record ConsoleDeliveryFilter
{
    public string? Route { get; init; }

    /// <summary>pending, delivered or dead.</summary>
    public string? State { get; init; }

    /// <summary>The last error's code, exactly (<c>status_400</c>, <c>timeout</c>).</summary>
    public string? Error { get; init; }

    /// <summary>Received at or after (UTC).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Received before (UTC).</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Oldest first; the default is newest first.</summary>
    public bool OldestFirst { get; init; }
}
