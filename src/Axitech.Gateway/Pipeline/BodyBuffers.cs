using System.Buffers;

namespace Axitech.Gateway.Pipeline;

/// <summary>
/// The body buffers' own pool. The shared pool trims its arrays on every gen2 collection and keeps few per core; with
/// 256 KiB bodies it missed often enough that 512 KiB arrays came from the large-object heap. Buffers up to 2 MiB are
/// pooled, 32 of each size at the most; larger ones (a policy may allow up to 100 MiB) are allocated and left to the
/// collector.
/// </summary>
internal static class BodyBuffers
{
    private static readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(maxArrayLength: 2 * 1024 * 1024, maxArraysPerBucket: 32);

    public static byte[] Rent(int minimumLength) => _pool.Rent(minimumLength);

    public static void Return(byte[] buffer)
    {
        // An empty body holds the shared empty array, which is no pool's.
        if (buffer.Length > 0)
        {
            _pool.Return(buffer);
        }
    }
}
