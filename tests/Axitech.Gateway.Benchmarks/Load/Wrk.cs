using System.Diagnostics;
using System.Globalization;

namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// Runs <c>wrk</c> (Debian's package) with a script that replays a <see cref="SignedRequestTable"/>. wrk2 (constant
/// rate) is not packaged, so paced runs use the script's <c>delay()</c>: each wrk thread hands out send times on a
/// fixed schedule (one slot every 1/rate seconds, on a monotonic clock read through LuaJIT's FFI) and a connection
/// waits for its slot; slots already passed are sent at once, so the rate holds while latency varies. wrk dates a
/// request from when it is written, not from its slot, so a stall's queueing delay is not in the percentiles
/// (coordinated omission, which wrk2 corrects): with ample connections this matters little at half the peak rate.
/// </summary>
internal static class Wrk
{
    private const string Script = """
        -- Replays a table of uniquely signed deliveries (rows: timestamp, signature, target) with one shared body.
        -- Written by the load benchmark (tests/Axitech.Gateway.Benchmarks/Load/Wrk.cs).
        local threads = {}
        local nextId = 0

        function setup(thread)
           thread:set("id", nextId)
           nextId = nextId + 1
           table.insert(threads, thread)
        end

        function init(args)
           local file = assert(io.open(args[2], "rb"))
           body = file:read("*a")
           file:close()
           timestamps, signatures, targets = {}, {}, {}
           for line in io.lines(args[1] .. "." .. id) do
              local timestamp, signature, target = line:match("^(%S+) (%S+) (%S+)$")
              timestamps[#timestamps + 1] = timestamp
              signatures[#signatures + 1] = signature
              targets[#targets + 1] = target
           end
           head = "POST %s HTTP/1.1\r\nHost: " .. wrk.headers["Host"] .. "\r\nContent-Type: application/json\r\nContent-Length: "
              .. #body .. "\r\nx-aw-timestamp: %s\r\nx-aw-signature: %s\r\n\r\n"
           n = 0
           exhausted = 0
           if args[3] then
              local ffi = require("ffi")
              ffi.cdef[[
                 typedef struct { long tv_sec; long tv_nsec; } axgw_timespec;
                 int clock_gettime(int clock, axgw_timespec *spec);
              ]]
              local spec = ffi.new("axgw_timespec")
              local function now()
                 ffi.C.clock_gettime(1, spec) -- CLOCK_MONOTONIC, in milliseconds
                 return tonumber(spec.tv_sec) * 1000 + tonumber(spec.tv_nsec) / 1000000
              end
              local interval = 1000 / tonumber(args[3])
              local slot = nil
              delay = function()
                 local t = now()
                 slot = slot and slot + interval or t
                 local wait = slot - t
                 if wait <= 0 then return 0 end
                 -- wrk takes whole milliseconds: round at random so that the mean is right.
                 local whole = math.floor(wait)
                 if math.random() < wait - whole then return whole + 1 end
                 return whole
              end
           end
        end

        function request()
           n = n + 1
           if n > #targets then
              -- Never repeat a delivery (the gateway would answer it from its duplicate store): stop, and say so.
              exhausted = 1
              n = 1
              wrk.thread:stop()
           end
           return string.format(head, targets[n], timestamps[n], signatures[n]) .. body
        end

        function done(summary, latency, requests)
           local exhausted = 0
           for _, thread in ipairs(threads) do
              exhausted = exhausted + thread:get("exhausted")
           end
           local e = summary.errors
           io.write(string.format(
              "@@wrk requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d exhausted=%d\n",
              summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
              latency.max, e.status, e.connect, e.read, e.write, e.timeout, exhausted))
        end
        """;

    public static string WriteScript(string directory)
    {
        var path = Path.Combine(directory, "signed-deliveries.lua");
        File.WriteAllText(path, Script);
        return path;
    }

    /// <param name="rate">Requests per second for all threads together; null for a closed loop at full speed.</param>
    public static async Task<WrkResult> RunAsync(
        string script, Uri url, int threads, int connections, TimeSpan duration, string tablePrefix, string bodyPath, double? rate)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var arguments = new List<string>
        {
            $"-t{threads}",
            $"-c{connections}",
            $"-d{(int)duration.TotalSeconds}s",
            "--timeout", "10s",
            "-s", script,
            url.ToString(),
            "--",
            tablePrefix,
            bodyPath,
        };
        if (rate is { } total)
        {
            arguments.Add((total / threads).ToString("0.###", CultureInfo.InvariantCulture));
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output;
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(WrkResult.Prefix, StringComparison.Ordinal));
        return line is not null && process.ExitCode == 0
            ? WrkResult.Parse(line.TrimEnd())
            : throw new InvalidOperationException($"wrk failed (exit code {process.ExitCode}): {text} {await errors}");
    }
}
