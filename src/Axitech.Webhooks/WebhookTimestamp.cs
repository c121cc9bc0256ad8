namespace Axitech.Webhooks;

/// <summary>
/// Strict parsing of <c>x-aw-timestamp</c>: Unix seconds, Unix milliseconds or ISO-8601.
/// </summary>
/// <remarks>
/// <para>
/// The signed string is <c>METHOD + target + timestamp + body</c> without separators, so characters can slide
/// between the end of the query and the timestamp: <c>?n=1</c> + <c>1764400000</c> signs the same bytes as
/// <c>?n=11</c> + <c>764400000</c>, and <c>?n=0</c> + <c>1764400000</c> the same as <c>?n=</c> + <c>01764400000</c>.
/// What keeps a slid copy from being accepted is this parser together with the two-sided freshness window: digits
/// only for Unix times (no sign, no spaces, no leading zero, no decimals or exponents), and strict ISO-8601.
/// Moving a digit then changes the instant by orders of magnitude (stale or future), and moving a digit onto a
/// leading zero is refused outright.
/// </para>
/// <para>
/// Unix values below 100,000,000,000 are seconds (that is up to the year 5138); larger ones are milliseconds. At most
/// 16 digits are read, and the instant must lie within <see cref="DateTimeOffset"/>'s range.
/// </para>
/// <para>
/// ISO-8601: <c>yyyy-MM-ddTHH:mm:ss</c>, optionally <c>.f</c> to <c>.fffffff</c>, then optionally <c>Z</c> or
/// <c>±HH:mm</c>; no offset means UTC (the vendor documents <c>YYYY-MM-DDTHH:mm:ss</c>). No leap second (<c>:60</c>),
/// no lower-case <c>t</c>/<c>z</c>, no spaces, no week or ordinal dates.
/// </para>
/// </remarks>
public static class WebhookTimestamp
{
    private const long MillisecondsThreshold = 100_000_000_000;
    private const int MaxUnixDigits = 16;
    private static readonly long _maxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
    private static readonly long _maxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>Parses a timestamp header value strictly; returns false for anything that is not exactly one of the accepted forms.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out DateTimeOffset result)
    {
        result = default;
        if (value.IsEmpty)
        {
            return false;
        }

        return char.IsAsciiDigit(value[0]) && value.Length >= 5 && value[4] == '-'
            ? TryParseIso8601(value, out result)
            : TryParseUnix(value, out result);
    }

    /// <summary>Whether <paramref name="value"/> parses and is in <paramref name="format"/> (any parseable form for <see cref="WebhookTimestampFormat.Any"/>).</summary>
    /// <param name="value">The timestamp header value.</param>
    /// <param name="format">The form the policy accepts.</param>
    public static bool IsInFormat(ReadOnlySpan<char> value, WebhookTimestampFormat format)
        => TryParse(value, out _) && (format == WebhookTimestampFormat.Any || FormOf(value) == format);

    /// <summary>The form of a timestamp in words, for an error message: <c>Unix seconds</c>, <c>ISO-8601 with an offset</c>, …</summary>
    /// <param name="value">The timestamp header value.</param>
    public static string DescribeForm(ReadOnlySpan<char> value)
        => !TryParse(value, out _) ? "not a timestamp" : FormOf(value) switch
        {
            WebhookTimestampFormat.UnixSeconds => "Unix seconds",
            WebhookTimestampFormat.UnixMilliseconds => "Unix milliseconds",
            WebhookTimestampFormat.Iso8601 => "ISO-8601 with an offset",
            WebhookTimestampFormat.Iso8601WithoutOffset => "ISO-8601 without an offset",
            _ => "ISO-8601 with a fraction and without an offset",
        };

    // The form of a value that parses; Any for a zone-less ISO time with a fraction, which no single form accepts.
    private static WebhookTimestampFormat FormOf(ReadOnlySpan<char> value)
    {
        if (value.Length >= 5 && value[4] == '-')
        {
            return value[^1] == 'Z' || (value.Length >= 25 && value[^6] is '+' or '-' && value[^3] == ':')
                ? WebhookTimestampFormat.Iso8601
                : value.Length == 19 ? WebhookTimestampFormat.Iso8601WithoutOffset : WebhookTimestampFormat.Any;
        }

        return value.Length < 12 && long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) < MillisecondsThreshold
            ? WebhookTimestampFormat.UnixSeconds
            : WebhookTimestampFormat.UnixMilliseconds;
    }

    /// <summary>
    /// Whether the first characters of <paramref name="body"/> would continue <paramref name="timestamp"/> into a longer
    /// value that also parses (<c>1764400000</c> followed by <c>123…</c>, <c>…:51</c> followed by <c>Z…</c>).
    /// </summary>
    /// <remarks>
    /// The signed string <c>timestamp + body</c> has no separator, so such a delivery's signature also verifies with
    /// those characters moved into the timestamp: seconds read as milliseconds, a time given a zone or a fraction, each
    /// still fresh. Accepting a delivery only when this returns false makes the split unique: of two copies that differ
    /// only in where the timestamp ends, the one with the shorter timestamp is always refused, because the longer one
    /// parses (parsing does not depend on the clock), and the one with the longer timestamp is the only one that can
    /// verify. JSON bodies start with <c>{</c>, <c>[</c> or whitespace, which no timestamp form continues with.
    /// </remarks>
    /// <param name="timestamp">The timestamp header value, as signed.</param>
    /// <param name="body">The body bytes, as signed (only the first few are read).</param>
    public static bool IsContinuedBy(ReadOnlySpan<char> timestamp, ReadOnlySpan<byte> body)
    {
        // The longest form is ISO-8601 with seven fraction digits and an offset: 33 characters.
        const int MaxLength = 40;
        if (timestamp.IsEmpty || body.IsEmpty || timestamp.Length >= MaxLength)
        {
            return false;
        }

        Span<char> candidate = stackalloc char[MaxLength];
        timestamp.CopyTo(candidate);
        var length = timestamp.Length;
        foreach (var b in body)
        {
            if (length == MaxLength || b is < 0x21 or > 0x7e)
            {
                return false;
            }

            candidate[length++] = (char)b;
            if (TryParse(candidate[..length], out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Formats an instant as Unix seconds, the form the vendor sends.</summary>
    public static string FormatUnixSeconds(DateTimeOffset value)
        => value.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Formats an instant as Unix milliseconds.</summary>
    public static string FormatUnixMilliseconds(DateTimeOffset value)
        => value.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Formats an instant as ISO-8601 in UTC with a <c>Z</c>, to the second.</summary>
    public static string FormatIso8601(DateTimeOffset value)
        => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static bool TryParseUnix(ReadOnlySpan<char> value, out DateTimeOffset result)
    {
        result = default;
        if (value.Length > MaxUnixDigits || value[0] == '0')
        {
            return false;
        }

        long number = 0;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        if (number < MillisecondsThreshold)
        {
            if (number > _maxUnixSeconds)
            {
                return false;
            }

            result = DateTimeOffset.FromUnixTimeSeconds(number);
            return true;
        }

        if (number > _maxUnixMilliseconds)
        {
            return false;
        }

        result = DateTimeOffset.FromUnixTimeMilliseconds(number);
        return true;
    }

    private static bool TryParseIso8601(ReadOnlySpan<char> value, out DateTimeOffset result)
    {
        result = default;

        // yyyy-MM-ddTHH:mm:ss is 19 characters.
        if (value.Length < 19
            || value[4] != '-' || value[7] != '-' || value[10] != 'T' || value[13] != ':' || value[16] != ':'
            || !TryDigits(value.Slice(0, 4), out var year)
            || !TryDigits(value.Slice(5, 2), out var month)
            || !TryDigits(value.Slice(8, 2), out var day)
            || !TryDigits(value.Slice(11, 2), out var hour)
            || !TryDigits(value.Slice(14, 2), out var minute)
            || !TryDigits(value.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var rest = value[19..];
        long fractionTicks = 0;
        if (!rest.IsEmpty && rest[0] == '.')
        {
            var digits = 0;
            rest = rest[1..];
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits is 0 or > 7)
            {
                return false;
            }

            _ = TryDigits(rest[..digits], out var fraction);
            for (var i = digits; i < 7; i++)
            {
                fraction *= 10;
            }

            fractionTicks = fraction;
            rest = rest[digits..];
        }

        var offset = TimeSpan.Zero;
        if (rest.Length == 1 && rest[0] == 'Z')
        {
            rest = default;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
            && TryDigits(rest.Slice(1, 2), out var offsetHours) && TryDigits(rest.Slice(4, 2), out var offsetMinutes)
            && offsetHours <= 14 && offsetMinutes <= 59 && (offsetHours < 14 || offsetMinutes == 0))
        {
            offset = new TimeSpan(offsetHours, offsetMinutes, 0);
            if (rest[0] == '-')
            {
                offset = offset.Negate();
            }

            rest = default;
        }

        if (!rest.IsEmpty)
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fractionTicks);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        result = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
