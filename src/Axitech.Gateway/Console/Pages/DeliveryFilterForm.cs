using System.Globalization;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>
/// The deliveries filter as form fields, bound by name without a prefix (query string on the list, hidden fields on the replay confirmation): route,
/// state, error, from/to (UTC, as a datetime-local input gives them), order.
/// </summary>
public sealed class DeliveryFilterForm
{
    public string? Route { get; set; }

    public string? State { get; set; }

    public string? Error { get; set; }

    public string? From { get; set; }

    public string? To { get; set; }

    public string? Order { get; set; }

    public static readonly IReadOnlyList<string> States = ["pending", "delivered", "dead"];

    public bool OldestFirst => string.Equals(Order, "oldest", StringComparison.Ordinal);

    public ConsoleDeliveryFilter ToFilter() => new()
    {
        Route = Blank(Route),
        State = States.Contains(State) ? State : null,
        Error = Blank(Error),
        From = ParseTime(From),
        To = ParseTime(To),
        OldestFirst = OldestFirst,
    };

    /// <summary>The filter as a query string (without '?'), for links that keep it.</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        Append(parts, "route", Blank(Route));
        Append(parts, "state", Blank(State));
        Append(parts, "error", Blank(Error));
        Append(parts, "from", Blank(From));
        Append(parts, "to", Blank(To));
        Append(parts, "order", OldestFirst ? "oldest" : null);
        return string.Join("&", parts);
    }

    private static void Append(List<string> parts, string name, string? value)
    {
        if (value is not null)
        {
            parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTimeOffset? ParseTime(string? value)
        => DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;
}
