using System.Globalization;

namespace Axitech.Gateway.DeliveryConsole.Pages;

/// <summary>How the pages write times, ages and sizes: UTC, to the second, invariant.</summary>
public static class ConsoleFormat
{
    public static string Time(DateTimeOffset? time)
        => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>For a datetime-local input (read back as UTC).</summary>
    public static string Input(DateTimeOffset? time)
        => time is { } t ? t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture) : string.Empty;

    public static string Age(TimeSpan? age) => age switch
    {
        null => "—",
        { TotalSeconds: < 1 } => "0s",
        { TotalMinutes: < 1 } a => string.Create(CultureInfo.InvariantCulture, $"{(int)a.TotalSeconds}s"),
        { TotalHours: < 1 } a => string.Create(CultureInfo.InvariantCulture, $"{a.Minutes}m {a.Seconds}s"),
        { TotalDays: < 1 } a => string.Create(CultureInfo.InvariantCulture, $"{a.Hours}h {a.Minutes}m"),
        { } a => string.Create(CultureInfo.InvariantCulture, $"{(int)a.TotalDays}d {a.Hours}h"),
    };

    public static string Duration(TimeSpan duration)
        => duration.TotalSeconds < 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalMilliseconds} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.##} s");

    public static string Count(long? count) => count is { } c ? c.ToString("N0", CultureInfo.InvariantCulture) : "—";

    public static string Size(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB ({bytes:N0} B)"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB ({bytes:N0} B)"),
    };
}
