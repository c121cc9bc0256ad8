using System.Text;

namespace Axitech.Gateway.Commands;

/// <summary>
/// Reads a file of <c>KEY=VALUE</c> lines as systemd's <c>EnvironmentFile=</c> does, so that <c>check-config --env-file</c>
/// checks exactly what the unit gives the gateway: blank lines and lines starting with <c>#</c> or <c>;</c> are
/// skipped, whitespace around the key and the value is dropped, a value in single or double quotes is taken without
/// them (a backslash in double quotes takes the next character as it is), and a line ending in a backslash goes on on
/// the next line. Each key maps to configuration as an environment variable does (<c>__</c> for <c>:</c>).
/// </summary>
internal static class EnvironmentFile
{
    /// <exception cref="CommandException">The file cannot be read (a root-only file read without root), or a line has no <c>=</c>.</exception>
    public static List<KeyValuePair<string, string?>> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"The environment file {path} cannot be read ({ex.Message}). A secrets file is readable by root only, as systemd reads it: run the check as root (sudo).", ex);
        }

        var values = new List<KeyValuePair<string, string?>>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            var number = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + lines[++i];
            }

            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CommandException($"{path}:{number}: expected KEY=VALUE (systemd would ignore this line; the gateway would not get it).");
            }

            values.Add(new(line[..equals].Trim().Replace("__", ":", StringComparison.Ordinal), Unquote(line[(equals + 1)..].Trim())));
        }

        return values;
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != value[^1] || value[0] is not ('"' or '\''))
        {
            return value;
        }

        var inner = value[1..^1];
        if (value[0] == '\'')
        {
            return inner;
        }

        var unescaped = new StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            _ = unescaped.Append(inner[i] == '\\' && i + 1 < inner.Length ? inner[++i] : inner[i]);
        }

        return unescaped.ToString();
    }
}
