using System.Diagnostics;

namespace Axitech.Gateway.Testing.Polling;

/// <summary>
/// The one way the tests wait for something that happens on another thread or in another process: check, wait a
/// moment, check again, and fail with <c>message</c> once <c>timeout</c> has passed. The wait ends early when the
/// test is cancelled (<see cref="TestContext.Current"/>).
/// </summary>
public static class Eventually
{
    /// <summary>The pause between two checks, unless a caller asks for another.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string message, TimeSpan? interval = null)
        => UntilAsync(() => Task.FromResult(condition()), timeout, () => message, interval);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> message, TimeSpan? interval = null)
        => UntilAsync(() => Task.FromResult(condition()), timeout, message, interval);

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message, TimeSpan? interval = null)
        => UntilAsync(condition, timeout, () => message, interval);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> message, TimeSpan? interval = null)
        => await UntilAsync(async () => await condition().ConfigureAwait(false), done => done, timeout, _ => message(), interval).ConfigureAwait(false);

    /// <summary>Reads <paramref name="probe"/> until <paramref name="condition"/> holds for what it read, and returns that.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, Func<T, string> message, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(message);
        var cancellation = TestContext.Current.CancellationToken;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var value = await probe().ConfigureAwait(false);
            if (condition(value))
            {
                return value;
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                Assert.Fail(message(value));
            }

            await Task.Delay(interval ?? DefaultInterval, cancellation).ConfigureAwait(false);
        }
    }
}
