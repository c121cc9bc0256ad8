using System.Threading.Channels;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Group commit, engine-neutral. Acceptances are put on a channel; one writer loop takes everything waiting (up to
/// <see cref="MaxBatchSize"/>), has the engine write it in one transaction, and only when that commit has returned
/// completes every waiter. While one batch is being flushed the next one gathers, so under load one flush serves many
/// acceptances, and an acceptance alone waits for no timer. A failed batch answers each of its waiters
/// <see cref="AcceptOutcome.Unavailable"/>: nothing is reported accepted unless its commit returned.
/// </summary>
internal sealed partial class AcceptanceBatcher : IAsyncDisposable
{
    /// <summary>The most acceptances in one transaction; bounds a transaction's size and the time its waiters wait.</summary>
    public const int MaxBatchSize = 256;

    private readonly Channel<PendingAcceptance> _channel = Channel.CreateUnbounded<PendingAcceptance>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<PreparedDelivery>, CancellationToken, Task<AcceptResult[]>> _writeBatch;
    private readonly string _storeName;
    private readonly ILogger _logger;
    private readonly Task _writer;
    private long _batches;
    private long _acceptances;

    /// <param name="writeBatch">
    /// Writes the rows in one transaction and commits it, returning one result per row in order (accepted, or
    /// duplicate with the original's id); throws when it could not commit.
    /// </param>
    /// <param name="storeName">The engine's name, for logs.</param>
    /// <param name="logger">Where a failed batch is logged (counts and exception type, never rows).</param>
    public AcceptanceBatcher(Func<IReadOnlyList<PreparedDelivery>, CancellationToken, Task<AcceptResult[]>> writeBatch, string storeName, ILogger logger)
    {
        _writeBatch = writeBatch;
        _storeName = storeName;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public long CommittedBatches => Interlocked.Read(ref _batches);

    public long CommittedAcceptances => Interlocked.Read(ref _acceptances);

    /// <summary>
    /// Queues the row and waits for its batch's commit. Cancelling stops the wait, not the write: a row already taken
    /// into a batch may still be committed (a repeat is then a duplicate); one not yet taken is dropped.
    /// </summary>
    public Task<AcceptResult> SubmitAsync(PreparedDelivery row, CancellationToken cancellationToken)
    {
        var pending = new PendingAcceptance(row, cancellationToken);
        return _channel.Writer.TryWrite(pending)
            ? pending.Completion.Task.WaitAsync(cancellationToken)
            : Task.FromResult(AcceptResult.Unavailable);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAcceptance>(MaxBatchSize);
        var rows = new List<PreparedDelivery>(MaxBatchSize);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            rows.Clear();
            while (batch.Count < MaxBatchSize && reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Completion.TrySetCanceled(pending.CancellationToken);
                    continue;
                }

                batch.Add(pending);
                rows.Add(pending.Row);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            AcceptResult[]? results = null;
            try
            {
                // Not cancellable: once a batch is being written, its commit decides what each waiter is told.
                results = await _writeBatch(rows, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _acceptances, batch.Count);
            }
#pragma warning disable CA1031 // Whatever failed, the batch was not committed: every waiter is told so, and the loop goes on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BatchFailed(_logger, _storeName, batch.Count, ex.GetType().Name, ex.Message);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results is null ? AcceptResult.Unavailable : results[i]);
            }
        }
    }

    /// <summary>Stops taking acceptances and waits until the ones already queued are committed (or failed).</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Error, "The {Store} delivery store could not commit {Count} acceptances; each is answered as unavailable: {ExceptionType}: {Message}")]
        public static partial void BatchFailed(ILogger logger, string store, int count, string exceptionType, string message);
    }
}
