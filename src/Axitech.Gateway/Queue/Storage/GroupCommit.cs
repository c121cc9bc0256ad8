using System.Threading.Channels;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Group commit, engine-neutral: acceptances, and the workers' settlements. Items are put on a channel; one writer loop
/// takes everything waiting (up to <see cref="MaxBatchSize"/>), has the engine write it in one transaction, and only
/// when that commit has returned completes every waiter. While one batch is being flushed the next one gathers, so
/// under load one flush serves many items, and an item alone waits for no timer. When a batch fails, every waiter of
/// that batch gets the exception: nothing is reported written unless its commit returned.
/// </summary>
/// <typeparam name="TItem">What is written.</typeparam>
/// <typeparam name="TResult">What each waiter is told once the commit returned.</typeparam>
internal sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    /// <summary>The most items in one transaction; bounds a transaction's size and the time its waiters wait.</summary>
    public const int MaxBatchSize = 256;

    private readonly Channel<Pending> _channel = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<TResult[]>> _writeBatch;
    private readonly Action<int, Exception> _batchFailed;
    private readonly Task _writer;
    private long _batches;
    private long _items;

    /// <param name="writeBatch">
    /// Writes the items in one transaction and commits it, returning one result per item in order; throws when it
    /// could not commit.
    /// </param>
    /// <param name="batchFailed">Told once per failed batch (its size and the exception), for a log line.</param>
    public GroupCommit(Func<IReadOnlyList<TItem>, CancellationToken, Task<TResult[]>> writeBatch, Action<int, Exception> batchFailed)
    {
        _writeBatch = writeBatch;
        _batchFailed = batchFailed;
        _writer = Task.Run(WriteLoopAsync);
    }

    public long CommittedBatches => Interlocked.Read(ref _batches);

    public long CommittedItems => Interlocked.Read(ref _items);

    /// <summary>
    /// Queues the item and waits for its batch's commit. Cancelling stops the wait, not the write: an item already taken
    /// into a batch may still be committed; one not yet taken is dropped. After <see cref="DisposeAsync"/>, fails with
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken)
    {
        var pending = new Pending(item, cancellationToken);
        return _channel.Writer.TryWrite(pending)
            ? pending.Completion.Task.WaitAsync(cancellationToken)
            : Task.FromException<TResult>(new ObjectDisposedException(nameof(GroupCommit<TItem, TResult>)));
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatchSize);
        var items = new List<TItem>(MaxBatchSize);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            items.Clear();
            while (batch.Count < MaxBatchSize && reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    pending.Completion.TrySetCanceled(pending.CancellationToken);
                    continue;
                }

                batch.Add(pending);
                items.Add(pending.Item);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                // Not cancellable: once a batch is being written, its commit decides what each waiter is told.
                var results = await _writeBatch(items, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _items, batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(results[i]);
                }
            }
#pragma warning disable CA1031 // Whatever failed, the batch was not committed: every waiter is told so, and the loop goes on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _batchFailed(batch.Count, ex);
                batch.ForEach(pending => pending.Completion.TrySetException(ex));
            }
        }
    }

    /// <summary>Stops taking items and waits until the ones already queued are committed (or failed).</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    /// <summary>An item waiting for the writer, and the caller waiting for its commit.</summary>
    private sealed class Pending(TItem item, CancellationToken cancellationToken)
    {
        public TItem Item { get; } = item;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>Completed once the batch holding the item committed (or failed); continuations run off the writer's loop.</summary>
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
