namespace Axitech.Gateway.Testing.Networking;

/// <summary>
/// For the one kind of listener whose port must be written into configuration before it starts and cannot be 0 (the
/// Development demo's echo receiver, which the demo's cluster names by address): a random port below Linux's
/// ephemeral range (32768 and up, where port 0 and outgoing connections draw from), and a new start on another port
/// when that one turns out to be taken. Nothing is probed: a collision shows as the bind failure it is.
/// </summary>
public static class PortCollision
{
    public static async Task<T> RetryAsync<T>(Func<int, Task<T>> start, int attempts = 5)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var attempt = 1; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                return await start(port).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < attempts && IsAddressInUse(ex))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception ex)
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
