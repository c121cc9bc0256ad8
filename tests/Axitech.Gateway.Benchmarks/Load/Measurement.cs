namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>
/// One wrk run against one host, with what the host and the upstream said before and after it. A run whose numbers
/// mean nothing (errors, a short upstream count) carries the <see cref="Problem"/>. <see cref="Machine"/> is the whole
/// machine's CPU while wrk ran.
/// </summary>
internal sealed record Measurement(string Host, int BodyBytes, WrkResult Wrk, long Forwarded, long AllocatedBytes, long GcPauseMicroseconds, long Gen2Collections, long CpuMicroseconds, long JitMethods, long JitMicroseconds, MachineCpu Machine, HostStats After, string? Problem)
{
    public static Measurement Create(string host, int bodyBytes, int connections, WrkResult wrk, MachineCpu machine, HostStats before, HostStats after, HostStats upstreamBefore, HostStats upstreamAfter)
    {
        var forwarded = upstreamAfter.Requests - upstreamBefore.Requests;
        var bytes = upstreamAfter.BodyBytes - upstreamBefore.BodyBytes;
        var problems = new List<string>();
        if (wrk.StatusErrors > 0)
        {
            problems.Add($"{wrk.StatusErrors} responses were 4xx/5xx");
        }

        if (wrk.SocketErrors > 0)
        {
            problems.Add($"{wrk.SocketErrors} socket errors or timeouts");
        }

        if (wrk.ExhaustedThreads > 0)
        {
            problems.Add("the signed-request table ran out");
        }

        // wrk counts completed responses; requests still in flight when it stopped reach the upstream too.
        if (forwarded < wrk.Requests)
        {
            problems.Add($"the upstream received {forwarded} requests but wrk completed {wrk.Requests}: some were answered without being forwarded");
        }
        else if (forwarded > wrk.Requests + connections)
        {
            problems.Add($"the upstream received {forwarded} requests, more than wrk's {wrk.Requests} plus those in flight");
        }

        if (after.AllocatedBytes < before.AllocatedBytes)
        {
            problems.Add($"the {host}'s allocation counter went backwards");
        }

        if (bytes != forwarded * bodyBytes)
        {
            problems.Add($"the upstream received {bytes} body bytes, not {forwarded} × {bodyBytes}");
        }

        return new Measurement(
            host,
            bodyBytes,
            wrk,
            forwarded,
            after.AllocatedBytes - before.AllocatedBytes,
            after.GcPauseMicroseconds - before.GcPauseMicroseconds,
            after.Gen2Collections - before.Gen2Collections,
            after.CpuMicroseconds - before.CpuMicroseconds,
            after.JitMethods - before.JitMethods,
            after.JitMicroseconds - before.JitMicroseconds,
            machine,
            after,
            problems.Count == 0 ? null : string.Join("; ", problems));
    }
}
