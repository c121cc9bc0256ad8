using System.Globalization;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Axitech.Gateway.Deduplication;

/// <summary>
/// The store shared by several gateway replicas. Claim: one script, one round trip (<c>SET key value NX PX lease</c>,
/// and the existing value when there is one). Complete and release: small scripts that act only when the value still
/// carries the caller's owner token, so a replica whose claim lapsed can never overwrite or delete another replica's
/// claim. Every key carries its TTL, so Redis memory is bounded as the in-memory store's is.
/// </summary>
/// <remarks>
/// Values: <c>i:{token}</c> while in flight, <c>d:{status}:{token}</c> once delivered. Keys:
/// <c>{KeyPrefix}{policy}:{64 hex}</c>. A key is derived from a signature, so neither keys nor the client library's
/// exception messages (which name them) are ever logged: only the exception's type and failure kind.
/// </remarks>
internal sealed partial class RedisDeduplicationStore : IDeduplicationStore, IDisposable
{
    /// <summary>Claims left unanswered while Redis was unreachable, whose release can wait in the background at once.</summary>
    private const int MaxPendingClaimReleases = 10_000;

    // Claim: 'c' when claimed; otherwise the existing value (inside a script the key cannot expire between the two).
    private const string ClaimScript = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return 'c'
        end
        return redis.call('GET', KEYS[1])
        """;

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

    // How long a pending complete or release is retried while Redis is unreachable. Retrying past the claim's lease
    // (Deduplication:InFlightLease, 2 minutes by default) is harmless: the scripts act only while the caller still owns
    // the claim. So the window is generous rather than tied to one policy's lease; the tasks are few, one per delivery
    // that was in flight when Redis went away (claims fail while it is away, and their releases, see
    // ReleaseUnansweredClaim, are bounded in number and by the lease).
    private static readonly TimeSpan _settleRetryWindow = TimeSpan.FromMinutes(30);

    private readonly IConnectionMultiplexer _redis;
    private readonly string _keyPrefix;
    private readonly ILogger<RedisDeduplicationStore> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private int _pendingClaimReleases;

    public RedisDeduplicationStore(IConnectionMultiplexer redis, string keyPrefix, ILogger<RedisDeduplicationStore> logger, TimeProvider timeProvider)
    {
        _redis = redis;
        _keyPrefix = keyPrefix;
        _logger = logger;
        SettleRetry = CreateSettleRetry(timeProvider, _settleRetryWindow);
    }

    /// <summary>
    /// How an unanswered settle is tried again: exponential backoff with jitter from a quarter second up to ten seconds,
    /// until Redis answers, the window (or a claim's lease) ends, or the gateway stops.
    /// </summary>
    internal ResiliencePipeline<bool?> SettleRetry { get; }

    public string Name => "redis";

    public async ValueTask<DeduplicationClaim> TryClaimAsync(DeduplicationKey key, TimeSpan lease, CancellationToken cancellationToken)
    {
        var redisKey = ToRedisKey(key);
        var token = NewToken();
        try
        {
            var result = await _redis.GetDatabase()
                .ScriptEvaluateAsync(ClaimScript, [redisKey], [InFlightValue(token), (long)Math.Max(1, lease.TotalMilliseconds)])
                .ConfigureAwait(false);
            var value = (string?)result;
            return value == "c" ? new DeduplicationClaim(ClaimStatus.Claimed, token) : Parse(value ?? string.Empty);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            Log.Unavailable(_logger, "claim", ex.GetType().Name, Describe(ex));
            ReleaseUnansweredClaim(redisKey, token, lease);
            return DeduplicationClaim.Unavailable;
        }
    }

    /// <summary>
    /// A claim whose answer never came may still have been made: Redis carried out the SET and went down before
    /// answering, or the client sent it from its backlog once reconnected. Nobody holds such a claim, and it would
    /// answer every retry of the delivery 409 until its lease ran out. It is released by its token once Redis answers
    /// (a no-op when the SET never ran), quietly, for at most the lease; at most <see cref="MaxPendingClaimReleases"/>
    /// at a time, beyond which the lease is the fallback.
    /// </summary>
    private void ReleaseUnansweredClaim(RedisKey key, long token, TimeSpan lease)
    {
        if (Interlocked.Increment(ref _pendingClaimReleases) > MaxPendingClaimReleases)
        {
            Interlocked.Decrement(ref _pendingClaimReleases);
            return;
        }

        _ = ReleaseUnansweredClaimAsync(key, token, lease);
    }

    private async Task ReleaseUnansweredClaimAsync(RedisKey key, long token, TimeSpan lease)
    {
        try
        {
            // Quietly: the claim's own failure was logged, and so is every other operation's while Redis is away.
            using var leaseEnd = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            leaseEnd.CancelAfter(lease);
            await RetryUntilAnsweredAsync(operation: null, ReleaseScript, key, [InFlightValue(token)], leaseEnd.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingClaimReleases);
        }
    }

    public async ValueTask<bool> CompleteAsync(DeduplicationKey key, long token, int statusCode, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var redisKey = ToRedisKey(key);
        RedisValue[] arguments = [InFlightValue(token), DeliveredValue(statusCode, token), (long)Math.Max(1, timeToLive.TotalMilliseconds)];
        return await SettleAsync("complete", CompleteScript, redisKey, arguments).ConfigureAwait(false);
    }

    public async ValueTask<bool> ReleaseAsync(DeduplicationKey key, long token, CancellationToken cancellationToken)
        => await SettleAsync("release", ReleaseScript, ToRedisKey(key), [InFlightValue(token)]).ConfigureAwait(false);

    /// <summary>
    /// Runs a complete or release script. When Redis cannot be reached, the attempt is repeated in the background
    /// until Redis answers (or the retry window ends): a delivery the upstream acknowledged while
    /// Redis blinked is still remembered as delivered once Redis is back (instead of lapsing and being forwarded
    /// again), and a failed one is released for its retry without waiting out the lease.
    /// </summary>
    private async Task<bool> SettleAsync(string operation, string script, RedisKey key, RedisValue[] arguments)
    {
        var settled = await TrySettleAsync(operation, script, key, arguments).ConfigureAwait(false);
        if (settled is { } done)
        {
            return done;
        }

        _ = RetrySettleAsync(operation, script, key, arguments);
        return false;
    }

    private async Task RetrySettleAsync(string operation, string script, RedisKey key, RedisValue[] arguments)
    {
        if (await RetryUntilAnsweredAsync(operation, script, key, arguments, _stopping.Token).ConfigureAwait(false) is { } done)
        {
            Log.SettledLater(_logger, operation, done);
        }
        else if (!_stopping.IsCancellationRequested)
        {
            Log.SettleAbandoned(_logger, operation);
        }
    }

    /// <summary>
    /// Runs the script again, with <see cref="SettleRetry"/>'s backoff, until Redis answers: the script's answer, or null
    /// when the retry window ended or <paramref name="cancellationToken"/> fired first. Logs each failure unless
    /// <paramref name="operation"/> is null.
    /// </summary>
    private async Task<bool?> RetryUntilAnsweredAsync(string? operation, string script, RedisKey key, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await SettleRetry.ExecuteAsync(
                async _ => await TrySettleAsync(operation, script, key, arguments).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutRejectedException)
        {
            return null;
        }
    }

    /// <summary>The settle retry: null answers (Redis unreachable) are tried again; the whole is bounded by <paramref name="window"/>.</summary>
    internal static ResiliencePipeline<bool?> CreateSettleRetry(TimeProvider timeProvider, TimeSpan window)
        => new ResiliencePipelineBuilder<bool?> { TimeProvider = timeProvider }
            .AddTimeout(window)
            .AddRetry(new RetryStrategyOptions<bool?>
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome is { Exception: null, Result: null }),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(10),
            })
            .Build();

    /// <summary>
    /// True or false as the script answered (false: the caller no longer owns the claim); null when Redis is
    /// unreachable, which is logged unless <paramref name="operation"/> is null.
    /// </summary>
    private async Task<bool?> TrySettleAsync(string? operation, string script, RedisKey key, RedisValue[] arguments)
    {
        try
        {
            var result = await _redis.GetDatabase().ScriptEvaluateAsync(script, [key], arguments).ConfigureAwait(false);
            return (long)result == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            if (operation is not null)
            {
                Log.Unavailable(_logger, operation, ex.GetType().Name, Describe(ex));
            }

            return null;
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

    /// <summary>
    /// What went wrong, without the client library's message: its messages name the command's key, which is derived from
    /// the delivery's signature.
    /// </summary>
    private static string Describe(Exception ex) => ex switch
    {
        RedisConnectionException connection => connection.FailureType.ToString(),
        RedisTimeoutException => "timeout",
        _ => "unavailable",
    };

    public void Dispose()
    {
        // Pending retries stop with the gateway.
        _stopping.Cancel();
        _stopping.Dispose();
    }

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
        [LoggerMessage(3101, LogLevel.Error, "The Redis duplicate store is unavailable ({Operation}): {ExceptionType} ({Failure}).")]
        public static partial void Unavailable(ILogger logger, string operation, string exceptionType, string failure);

        [LoggerMessage(3102, LogLevel.Information, "Redis is back: a pending {Operation} of a duplicate-store claim was applied (owner still held it: {Applied}).")]
        public static partial void SettledLater(ILogger logger, string operation, bool applied);

        [LoggerMessage(3103, LogLevel.Error, "A pending {Operation} of a duplicate-store claim was abandoned: Redis stayed unreachable for 30 minutes. A repeat of that delivery may be forwarded again.")]
        public static partial void SettleAbandoned(ILogger logger, string operation);
    }
}
