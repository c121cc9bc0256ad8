using System.Security.Cryptography;
using System.Text;

namespace Axitech.Webhooks.Tests;

/// <summary>
/// <see cref="WebhookSecret.ComputeHash"/> reuses pooled, keyed HMAC instances: each use must start from the key alone
/// (a reset forgotten would chain one message into the next), and no instance may serve two threads at once.
/// </summary>
public sealed class WebhookSecretTests
{
    private static readonly byte[] _key = Encoding.UTF8.GetBytes("wh_sec_pooled_hmac_test");

    [Fact]
    public void ComputeHash_IsTheOneShotHmac_CallAfterCall()
    {
        var secret = new WebhookSecret("wh_sec_pooled_hmac_test");
        var computed = new byte[AxitechSignature.SizeInBytes];

        // The same message twice, then others of other lengths (empty, around the 64-byte block, large).
        foreach (var length in new[] { 100, 100, 0, 63, 64, 65, 1024, 300_000 })
        {
            var message = Message(length, seed: length);

            secret.ComputeHash(message, computed);

            Assert.Equal(HMACSHA256.HashData(_key, message), computed);
        }
    }

    [Fact]
    public async Task ComputeHash_FromManyThreadsAtOnce_GivesEachMessageItsOwnHmac()
    {
        var secret = new WebhookSecret("wh_sec_pooled_hmac_test");
        using var start = new Barrier(8);

        var wrong = await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(() =>
        {
            start.SignalAndWait();
            var failures = 0;
            var computed = new byte[AxitechSignature.SizeInBytes];
            for (var i = 0; i < 2_000; i++)
            {
                var message = Message(200 + (thread * 37) + (i % 50), seed: (thread * 10_000) + i);
                secret.ComputeHash(message, computed);
                failures += HMACSHA256.HashData(_key, message).AsSpan().SequenceEqual(computed) ? 0 : 1;
            }

            return failures;
        })));

        Assert.All(wrong, failures => Assert.Equal(0, failures));
    }

    private static byte[] Message(int length, int seed)
    {
        var message = new byte[length];
        new Random(seed).NextBytes(message);
        return message;
    }
}
