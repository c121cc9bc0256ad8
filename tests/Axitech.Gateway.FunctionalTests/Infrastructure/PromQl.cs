using System.Text.RegularExpressions;

namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>Just enough PromQL reading to tell which metric names an expression selects.</summary>
public static partial class PromQl
{
    private static readonly HashSet<string> _keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "inf", "nan",
    };

    /// <summary>
    /// The metric names selected by <paramref name="expression"/>: identifiers that are not functions, aggregations,
    /// keywords, label names (inside braces or grouping clauses), durations, or Grafana variables. Grafana's
    /// <c>label_values(metric{…}, label)</c> yields its metric.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        if (LabelValues().Match(expression) is { Success: true } labelValues)
        {
            return labelValues.Groups["metric"].Success ? new HashSet<string> { labelValues.Groups["metric"].Value } : [];
        }

        var text = Strings().Replace(expression, " ");
        text = GrafanaVariables().Replace(text, " ");
        text = Matchers().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Groupings().Replace(text, " ");
        text = Offsets().Replace(text, " ");
        return Identifiers().Matches(text)
            .Where(m => !_keywords.Contains(m.Value.ToLowerInvariant()))
            .Select(m => m.Value)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The label names <paramref name="expression"/> matches on or groups by (in selectors' braces and in by, without,
    /// on, ignoring, group_left and group_right clauses), and the label Grafana's <c>label_values</c> lists.
    /// </summary>
    public static IReadOnlySet<string> LabelNames(string expression)
    {
        var text = Strings().Replace(expression, "\"\"");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match selector in Matchers().Matches(text))
        {
            names.UnionWith(MatcherNames().Matches(selector.Value).Select(m => m.Groups[1].Value));
        }

        foreach (Match grouping in Groupings().Matches(text))
        {
            var list = grouping.Value[(grouping.Value.IndexOf('(', StringComparison.Ordinal) + 1)..^1];
            names.UnionWith(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (LabelValuesLabel().Match(text) is { Success: true } labelValues)
        {
            names.Add(labelValues.Groups[1].Value);
        }

        return names;
    }

    [GeneratedRegex(@"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex MatcherNames();

    [GeneratedRegex(@"^\s*label_values\(.*?,\s*([a-zA-Z_]\w*)\s*\)\s*$")]
    private static partial Regex LabelValuesLabel();

    [GeneratedRegex(@"^\s*label_values\(\s*(?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{[^}]*\})?\s*,")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\$\{[^}]*\}|\$[A-Za-z_]\w*")]
    private static partial Regex GrafanaVariables();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Groupings();

    [GeneratedRegex(@"\boffset\s+-?[0-9a-z]+")]
    private static partial Regex Offsets();

    /// <summary>An identifier not preceded by a digit or dot (the exponent of 1e3) and not followed by "(" (a function call).</summary>
    [GeneratedRegex(@"(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:])(?!\s*\()")]
    private static partial Regex Identifiers();
}
