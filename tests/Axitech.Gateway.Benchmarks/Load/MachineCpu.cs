using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// The whole machine's CPU time from <c>/proc/stat</c>: what wrk, the upstream, the proxy and the kernel spent
/// together, and the time the hypervisor gave to other guests (steal). The throughput ratio follows the first: on
/// saturated cores, a proxy's throughput is the cores divided by what the machine spends on one request.
/// </summary>
internal readonly record struct MachineCpu(long BusyMicroseconds, long StealMicroseconds)
{
    /// <summary>USER_HZ, the unit of <c>/proc/stat</c>: 100 on every Linux this runs on.</summary>
    private const long MicrosecondsPerTick = 10_000;

    public static MachineCpu Read()
    {
        if (!File.Exists("/proc/stat"))
        {
            return default;
        }

        // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user already).
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int index) => index < fields.Length ? long.Parse(fields[index], CultureInfo.InvariantCulture) : 0;
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7);
        return new MachineCpu(busy * MicrosecondsPerTick, Field(8) * MicrosecondsPerTick);
    }

    public static MachineCpu operator -(MachineCpu after, MachineCpu before)
        => new(after.BusyMicroseconds - before.BusyMicroseconds, after.StealMicroseconds - before.StealMicroseconds);
}
