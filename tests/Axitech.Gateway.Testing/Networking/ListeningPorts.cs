using System.Globalization;

namespace Axitech.Gateway.Testing.Networking;

/// <summary>
/// The TCP ports a process listens on, read from <c>/proc</c>: its open sockets (<c>/proc/{pid}/fd</c>) matched with
/// the listening sockets of its network namespace (<c>/proc/{pid}/net/tcp</c> and <c>tcp6</c>). For a process whose
/// endpoints bound port 0 and whose output the test must not read, so that the start-up line cannot tell the ports.
/// </summary>
public static class ListeningPorts
{
    private const string Listen = "0A";

    /// <summary>The ports, in no particular order; empty once the process is gone.</summary>
    public static IReadOnlySet<int> Of(int processId)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var descriptor in Directory.EnumerateFiles($"/proc/{processId}/fd"))
            {
                if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    sockets.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process ended, or a descriptor closed while it was read.
            return new HashSet<int>();
        }

        var ports = new HashSet<int>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines($"/proc/{processId}/net/{table}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            foreach (var fields in lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (fields.Length > 9 && fields[3] == Listen && sockets.Contains(fields[9]))
                {
                    ports.Add(int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return ports;
    }
}
