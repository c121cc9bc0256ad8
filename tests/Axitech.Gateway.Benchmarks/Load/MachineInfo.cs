using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>What the numbers were measured on: cores, CPU model, memory, runtime and wrk.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        var model = ReadProc("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadProc("/proc/meminfo", "MemTotal") is { } total
            ? string.Create(CultureInfo.InvariantCulture, $"{long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) / (1024.0 * 1024.0):N1} GiB")
            : "unknown";
        return $"{Environment.ProcessorCount} cores ({model}), {memory} memory, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {WrkVersion()}";
    }

    /// <summary>The 1-, 5- and 15-minute load averages: on a shared machine, how much else was running.</summary>
    public static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static bool WrkIsInstalled() => WrkVersion() != "wrk not found";

    private static string WrkVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("wrk", "-v") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null)
            {
                return "wrk not found";
            }

            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return output.Split('\n')[0].Split('[')[0].Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "wrk not found";
        }
    }

    private static string? ReadProc(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return File.ReadLines(path)
            .Where(line => line.StartsWith(key, StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();
    }
}
