namespace Axitech.Webhooks.AspNetCore.Tests;

/// <summary>A thread-safe count of handler runs.</summary>
internal sealed class Counter
{
    private int _value;

    public int Value => Volatile.Read(ref _value);

    public int Increment() => Interlocked.Increment(ref _value);
}
