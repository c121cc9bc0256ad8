using System.Collections.Frozen;
using System.Text;
using Yarp.ReverseProxy.Forwarder;

namespace Axitech.Gateway.Telemetry;

/// <summary>YARP's <see cref="ForwarderError"/> values as snake_case attribute values, computed once.</summary>
internal static class ForwarderErrors
{
    private static readonly FrozenDictionary<ForwarderError, string> _names = Enum.GetValues<ForwarderError>()
        .Distinct()
        .ToFrozenDictionary(e => e, e => ToSnakeCase(e.ToString()));

    public static string Name(ForwarderError error) => _names.TryGetValue(error, out var name) ? name : "unknown";

    private static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
