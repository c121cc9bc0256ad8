using System.Text;
using System.Threading.Channels;

namespace Axitech.Gateway.Telemetry;

/// <summary>
/// Standard output for a gateway process that never makes a request wait for its logs. The console logger writes each
/// record to <see cref="Console.Out"/> from its own queue; when stdout is a pipe nobody drains, that write blocks, the
/// logger's queue fills, and then every request that logs waits. With this writer installed, records go to a bounded
/// queue written out by one thread of its own; a record that finds the queue full is dropped and counted
/// (<see cref="Dropped"/>, the <c>axitech_gateway_log_records_dropped_total</c> metric).
/// </summary>
/// <remarks>
/// Stdout belongs to the process, so the writer and its count are the process's too (static): installed once by
/// <see cref="GatewayApplication.RunAsync"/>, not by gateways hosted in another process (tests).
/// </remarks>
internal sealed class ConsoleLogWriter : TextWriter
{
    /// <summary>Records waiting to be written, at most: a few hundred kilobytes of typical lines.</summary>
    private const int Capacity = 1024;

    private static long _dropped;
    private static ConsoleLogWriter? _installed;

    private readonly Channel<string> _records = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly StringBuilder _pending = new();
    private readonly Stream _output;
    private readonly Thread _thread;

    /// <summary>A writer to <paramref name="output"/>; <see cref="Install"/> makes the process's own.</summary>
    internal ConsoleLogWriter(Stream output)
    {
        _output = output;
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "Axitech.Gateway stdout" };
        _thread.Start();
    }

    /// <summary>Records dropped since the process started because stdout did not keep up.</summary>
    public static long Dropped => Interlocked.Read(ref _dropped);

    public override Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Makes <see cref="Console.Out"/> this writer; call before the logging system is built.</summary>
    public static void Install()
    {
        if (_installed is null)
        {
            // File descriptor 1 itself, not Console.OpenStandardOutput(): the console's stream takes a lock on
            // Console.Out for every write, so a write blocked on a full pipe would hold up every logger writing to
            // Console.Out (this writer) behind it.
            var stdout = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            _installed = new ConsoleLogWriter(stdout);
            Console.SetOut(_installed);
        }
    }

    /// <summary>Writes out what is queued, waiting at most <paramref name="timeout"/> (at the process's end).</summary>
    public static void Drain(TimeSpan timeout)
    {
        if (_installed is { } writer)
        {
            Console.Out.Flush();
            writer._records.Writer.TryComplete();
            writer._thread.Join(timeout);
        }
    }

    // Console.SetOut makes the writer synchronised: these are called one at a time.
    public override void Write(char value)
    {
        _pending.Append(value);
        if (value == '\n')
        {
            Enqueue();
        }
    }

    public override void Write(string? value)
    {
        _pending.Append(value);
        if (value is [.., '\n'])
        {
            Enqueue();
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        if (_pending.Length > 0)
        {
            Enqueue();
        }
    }

    private void Enqueue()
    {
        var record = _pending.ToString();
        _pending.Clear();
        if (!_records.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private void WriteLoop()
    {
        var reader = _records.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var record))
                {
                    _output.Write(Encoding.GetBytes(record));
                }

                _output.Flush();
            }
        }
        catch (IOException)
        {
            // Stdout is gone (the reader closed the pipe): drop the rest, counted, rather than fail the process.
            while (reader.TryRead(out _))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }
}
