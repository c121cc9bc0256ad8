using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Tests.Telemetry;

public sealed class ConsoleLogWriterTests
{
    [Fact]
    public void AnOutputThatNeverTakesABlock_NeverBlocksAWriter_AndWhatFindsTheQueueFullIsDroppedAndCounted()
    {
        using var stuck = new StuckStream();
        var writer = new ConsoleLogWriter(stuck);
        var before = ConsoleLogWriter.Dropped;

        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 3000; i++)
        {
            writer.Write($"2026-12-02T10:00:00.000Z info: Axitech.Gateway.Audit[2002] line {i}\n");
        }

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"3000 writes took {started.Elapsed}.");
        Assert.True(stuck.WriteStarted.Wait(TimeSpan.FromSeconds(5)), "The writer's thread never wrote.");

        // One record is stuck in the output's write, 1,024 wait in the queue; every other one was dropped.
        Assert.InRange(ConsoleLogWriter.Dropped - before, 3000 - 1025 - 2, 3000 - 1024);
        stuck.Release();
    }

    /// <summary>A stdout whose reader never reads: every write blocks until released.</summary>
    private sealed class StuckStream : MemoryStream
    {
        private readonly ManualResetEventSlim _released = new();

        public ManualResetEventSlim WriteStarted { get; } = new();

        public void Release() => _released.Set();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            WriteStarted.Set();
            _released.Wait();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }
}
