using System.Globalization;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The store shared by several gateway replicas. Claim: one atomic <c>SET key value NX PX lease</c>. Complete and
/// release: small Lua scripts that act only when the value still carries the caller's owner token, so a replica
/// whose claim lapsed can never overwrite or delete another replica's claim. Every key carries its TTL, so Redis
/// memory is bounded as the in-memory store's is.
/// </summary>
/// <remarks>
/// Values: <c>i:{token}</c> while in flight, <c>d:{status}:{token}</c> once delivered. Keys:
/// <c>{KeyPrefix}{policy}:{64 hex}</c>.
/// </remarks>
internal sealed partial class RedisDeduplicationStore : IDeduplicationStore
{
    // Complete: only the owner of an in-flight claim may mark it delivered.
    private const string CompleteScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          return 1
        end
        return 0
        """;

    // Release: only the owner of an in-flight claim may delete it.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _keyPrefix;
    private readonly ILogger<RedisDeduplicationStore> _logger;

    public RedisDeduplicationStore(IConnectionMultiplexer redis, string keyPrefix, ILogger<RedisDeduplicationStore> logger)
    {
        _redis = redis;
        _keyPrefix = keyPrefix;
        _logger = logger;
    }

    public string Name => "redis";

    public async ValueTask<DeduplicationClaim> TryClaimAsync(DeduplicationKey key, TimeSpan lease, CancellationToken cancellationToken)
    {
        var redisKey = ToRedisKey(key);
        var token = NewToken();
        try
        {
            var db = _redis.GetDatabase();

            // Two attempts: the existing entry can expire between the SET and the GET.
            for (var attempt = 0; attempt < 2; attempt++)
            {
                if (await db.StringSetAsync(redisKey, InFlightValue(token), lease, When.NotExists).ConfigureAwait(false))
                {
                    return new DeduplicationClaim(ClaimStatus.Claimed, token);
                }

                var existing = await db.StringGetAsync(redisKey).ConfigureAwait(false);
                if (existing.HasValue)
                {
                    return Parse(existing.ToString());
                }
            }

            return DeduplicationClaim.InFlight;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "claim", ex.GetType().Name, ex.Message);
            return DeduplicationClaim.Unavailable;
        }
    }

    public async ValueTask<bool> CompleteAsync(DeduplicationKey key, long token, int statusCode, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _redis.GetDatabase().ScriptEvaluateAsync(
                CompleteScript,
                [ToRedisKey(key)],
                [InFlightValue(token), DeliveredValue(statusCode, token), (long)Math.Max(1, timeToLive.TotalMilliseconds)]).ConfigureAwait(false);
            return (long)result == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "complete", ex.GetType().Name, ex.Message);
            return false;
        }
    }

    public async ValueTask<bool> ReleaseAsync(DeduplicationKey key, long token, CancellationToken cancellationToken)
    {
        try
        {
            var result = await _redis.GetDatabase().ScriptEvaluateAsync(
                ReleaseScript, [ToRedisKey(key)], [InFlightValue(token)]).ConfigureAwait(false);
            return (long)result == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "release", ex.GetType().Name, ex.Message);
            return false;
        }
    }

    public async ValueTask<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _redis.GetDatabase().PingAsync().ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            return false;
        }
    }

    internal string ToRedisKey(DeduplicationKey key) => $"{_keyPrefix}{key.Policy}:{key.ToHex()}";

    private static bool IsUnavailable(Exception ex)
        => ex is RedisException or TimeoutException or ObjectDisposedException or InvalidOperationException;

    private static string InFlightValue(long token) => "i:" + token.ToString(CultureInfo.InvariantCulture);

    private static string DeliveredValue(int statusCode, long token)
        => string.Create(CultureInfo.InvariantCulture, $"d:{statusCode}:{token}");

    private static DeduplicationClaim Parse(string value)
    {
        // d:{status}:{token}
        if (value.StartsWith("d:", StringComparison.Ordinal))
        {
            var end = value.IndexOf(':', 2);
            if (end > 2 && int.TryParse(value.AsSpan(2, end - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            {
                return new DeduplicationClaim(ClaimStatus.Delivered, 0, status);
            }
        }

        return DeduplicationClaim.InFlight;
    }

    private static long NewToken()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToInt64(bytes);
    }

    private static partial class Log
    {
        [LoggerMessage(3101, LogLevel.Error, "The Redis duplicate store is unavailable ({Operation}): {ExceptionType}: {Message}")]
        public static partial void Unavailable(ILogger logger, string operation, string exceptionType, string message);
    }
}
