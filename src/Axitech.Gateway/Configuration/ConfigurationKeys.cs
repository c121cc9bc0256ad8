using System.ComponentModel;
using System.Reflection;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// Refuses keys the gateway does not know under <c>Webhooks</c> and <c>Gateway</c>, naming the nearest known one: the
/// binder ignores an unknown key, so a misspelt <c>Tolernce</c> would otherwise leave the default in force without a
/// word. The known keys are derived from the options types by reflection (public settable or init properties, nested
/// records, dictionaries keyed by a name, lists), so a property added to an options record is known with no other edit.
/// A new section of its own is declared once, in <see cref="_sections"/>.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>Every checked section and the type it binds to; the sections' parents (<c>Webhooks</c>) know their children from this table.</summary>
    private static readonly (string Path, Type Shape)[] _sections =
    [
        ("Gateway", typeof(GatewayOptions)),
        (WebhookConfigurationReader.PoliciesSection, typeof(IReadOnlyDictionary<string, WebhookPolicyOptions>)),
        (DeliveryQueueOptions.SectionName, typeof(DeliveryQueueOptions)),
    ];

    /// <summary>Adds a message for every unknown key under the checked sections of <paramref name="configuration"/>.</summary>
    public static void FindUnknown(IConfiguration configuration, List<string> errors)
    {
        foreach (var root in _sections.Select(s => s.Path.Split(':')[0]).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            CheckPath(configuration.GetSection(root), root, errors);
        }
    }

    /// <summary>
    /// The message for an unknown key: its full path, then the nearest of <paramref name="known"/>, in the form
    /// <c>ReverseProxy:Routes:claims:Metadata:WebhookDelivry — did you mean WebhookDelivery?</c>
    /// </summary>
    public static string Unknown(string path, IEnumerable<string> known)
        => Nearest(path[(path.LastIndexOf(':') + 1)..], known) is { } nearest
            ? $"{path} — did you mean {nearest}? The gateway knows no such key, and would otherwise ignore it."
            : $"{path} — the gateway knows no such key, and would otherwise ignore it.";

    /// <summary>The known name with the fewest edits from <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public static string? Nearest(string name, IEnumerable<string> known)
        => known.OrderBy(k => Distance(name.ToUpperInvariant(), k.ToUpperInvariant())).ThenBy(k => k, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>A section above or at a declared one: checked against its type, or, above it, against the declared children.</summary>
    private static void CheckPath(IConfigurationSection section, string path, List<string> errors)
    {
        if (_sections.FirstOrDefault(s => string.Equals(s.Path, path, StringComparison.OrdinalIgnoreCase)).Shape is { } shape)
        {
            Check(section, shape, errors);
            return;
        }

        var children = _sections
            .Where(s => s.Path.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase))
            .Select(s => s.Path[(path.Length + 1)..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var child in section.GetChildren())
        {
            if (children.FirstOrDefault(c => string.Equals(c, child.Key, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                CheckPath(child, $"{path}:{known}", errors);
            }
            else
            {
                errors.Add(Unknown(child.Path, children));
            }
        }
    }

    private static void Check(IConfigurationSection section, Type shape, List<string> errors)
    {
        shape = Nullable.GetUnderlyingType(shape) ?? shape;
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return;
        }

        if (IsValue(shape))
        {
            errors.AddRange(children.Select(c => $"{c.Path} — {section.Path} takes a single value, not a section; the gateway would otherwise ignore it."));
        }
        else if (ElementOf(shape, typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>)) is { } dictionaryValue)
        {
            children.ForEach(c => Check(c, dictionaryValue, errors));
        }
        else if (ElementOf(shape, typeof(IEnumerable<>)) is { } element)
        {
            // The binder appends every child to a list whatever its key, so only the elements' own keys can be unknown.
            children.ForEach(c => Check(c, element, errors));
        }
        else
        {
            var properties = shape.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true).ToList();
            foreach (var child in children)
            {
                if (properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase)) is { } property)
                {
                    Check(child, property.PropertyType, errors);
                }
                else
                {
                    errors.Add(Unknown(child.Path, properties.Select(p => p.Name)));
                }
            }
        }
    }

    /// <summary>What the binder converts from a single string: primitives, enums, TimeSpan, Uri and the like.</summary>
    private static bool IsValue(Type type)
        => type == typeof(string) || type.IsPrimitive || type.IsEnum || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    /// <summary>The last generic argument of <paramref name="type"/>'s implementation of one of <paramref name="definitions"/>, or null.</summary>
    private static Type? ElementOf(Type type, params Type[] definitions)
        => new[] { type }.Concat(type.GetInterfaces())
            .Where(i => i.IsGenericType && definitions.Contains(i.GetGenericTypeDefinition()) && (i.GetGenericArguments() is not [var key, _] || key == typeof(string)))
            .Select(i => i.GetGenericArguments()[^1])
            .FirstOrDefault()
            ?? (type.IsArray ? type.GetElementType() : null);
}
