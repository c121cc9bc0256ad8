using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// What a load host reports about itself on request: allocations (the precise process-wide total), memory, and for
/// the upstream what it received; for the gateway, the duplicate store's size; the CPU time the process has used (user and
/// system, all threads); what the JIT compiled so far (methods, tier-ups included, and time). One line on stdout:
/// <c>@@stats key=value ...</c>.
/// </summary>
internal sealed record HostStats(
    long AllocatedBytes, long WorkingSetBytes, long HeapSizeBytes, long GcPauseMicroseconds, long Gen2Collections, long Requests, long BodyBytes, long StoreEntries, long CpuMicroseconds, long JitMethods, long JitMicroseconds)
{
    public const string Prefix = "@@stats ";

    public string ToLine()
        => string.Create(
            CultureInfo.InvariantCulture,
            $"{Prefix}allocated={AllocatedBytes} rss={WorkingSetBytes} heap={HeapSizeBytes} pause_us={GcPauseMicroseconds} gen2={Gen2Collections} requests={Requests} bytes={BodyBytes} entries={StoreEntries} cpu_us={CpuMicroseconds} jit_methods={JitMethods} jit_us={JitMicroseconds}");

    public static HostStats Parse(string line)
    {
        var values = line[Prefix.Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return new HostStats(values["allocated"], values["rss"], values["heap"], values["pause_us"], values["gen2"], values["requests"], values["bytes"], values["entries"], values["cpu_us"], values["jit_methods"], values["jit_us"]);
    }
}
