using System.Threading.Channels;

namespace Axitech.Gateway.Queue;

/// <summary>
/// Group commit, engine-neutral: acceptances, and the workers' settlements. Items are put on a channel; one writer loop
/// takes everything waiting (up to <see cref="MaxBatchSize"/>), has the engine write it in one transaction, and only
/// when that commit has returned completes every waiter. While one batch is being flushed the next one gathers, so
/// under load one flush serves many items, and an item alone waits for no timer. When a batch fails, every waiter of
/// that batch gets the exception (or, when the failure may be one row's, each item is written again alone): nothing
/// is reported written unless its commit returned.
/// </summary>
/// <remarks>
/// With a capacity, at most that many items are held (queued or in the batch being written): a database that hangs
/// holds a bounded amount of memory, and a submission beyond it is refused at once. An item whose waiter has gone
/// before its batch is taken is not written; optionally, a batch whose waiters have all gone has its write cancelled.
/// </remarks>
/// <typeparam name="TItem">What is written.</typeparam>
/// <typeparam name="TResult">What each waiter is told once the commit returned.</typeparam>
internal sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    /// <summary>The most items in one transaction; bounds a transaction's size and the time its waiters wait.</summary>
    public const int MaxBatchSize = 256;

    private readonly Channel<Pending> _channel;
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<TResult[]>> _writeBatch;
    private readonly Action<int, Exception> _batchFailed;
    private readonly Func<Exception, bool>? _retryAlone;
    private readonly int? _capacity;
    private readonly bool _cancelWhenAbandoned;
    private readonly Task _writer;
    private long _batches;
    private long _items;
    private int _held;
    private int _writing;

    /// <param name="writeBatch">
    /// Writes the items in one transaction and commits it, returning one result per item in order; throws when it
    /// could not commit.
    /// </param>
    /// <param name="batchFailed">Told once per failed batch (its size and the exception), for a log line.</param>
    /// <param name="capacity">The most items held at once; null for no bound (the caller bounds them itself).</param>
    /// <param name="retryAlone">
    /// Whether a failed batch of several items is written again item by item, so that one bad item fails only itself;
    /// false for failures that would fail every item anyway (the database is down). Null: never.
    /// </param>
    /// <param name="cancelWhenAbandoned">
    /// Whether a batch's write is cancelled once every waiter of it has gone (nobody is left to tell its outcome);
    /// otherwise a batch taken is always written to its end.
    /// </param>
    public GroupCommit(
        Func<IReadOnlyList<TItem>, CancellationToken, Task<TResult[]>> writeBatch,
        Action<int, Exception> batchFailed,
        int? capacity = null,
        Func<Exception, bool>? retryAlone = null,
        bool cancelWhenAbandoned = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity ?? 1, 1, nameof(capacity));
        _writeBatch = writeBatch;
        _batchFailed = batchFailed;
        _capacity = capacity;
        _retryAlone = retryAlone;
        _cancelWhenAbandoned = cancelWhenAbandoned;

        // Bounded by the capacity, which TrySubmit enforces first: the channel is never full when written to.
        _channel = capacity is { } bound
            ? Channel.CreateBounded<Pending>(new BoundedChannelOptions(bound) { SingleReader = true })
            : Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        _writer = Task.Run(WriteLoopAsync);
    }

    public long CommittedBatches => Interlocked.Read(ref _batches);

    public long CommittedItems => Interlocked.Read(ref _items);

    /// <summary>How many items are held now: queued, or in the batch being written.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>How many of them are in the batch being written now.</summary>
    public int Writing => Volatile.Read(ref _writing);

    /// <summary>
    /// Queues the item and waits for its batch's commit. Cancelling stops the wait, not the write: an item already taken
    /// into a batch may still be committed (unless every waiter of its batch has gone and the batch is cancelled then);
    /// one not yet taken is dropped.
    /// After <see cref="DisposeAsync"/>, fails with <see cref="ObjectDisposedException"/>.
    /// </summary>
    public Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken)
        => TrySubmit(item, cancellationToken)
            ?? Task.FromException<TResult>(new InvalidOperationException("The group commit holds as many items as it may."));

    /// <summary>As <see cref="SubmitAsync"/>, but null at once, and nothing queued, when the capacity is reached.</summary>
    public Task<TResult>? TrySubmit(TItem item, CancellationToken cancellationToken)
    {
        if (!TryHold())
        {
            return null;
        }

        var pending = new Pending(item, cancellationToken);
        if (_channel.Writer.TryWrite(pending))
        {
            return pending.Completion.Task.WaitAsync(cancellationToken);
        }

        Interlocked.Decrement(ref _held);
        return Task.FromException<TResult>(new ObjectDisposedException(nameof(GroupCommit<TItem, TResult>)));
    }

    // Never above the capacity, not even for a moment: what is counted is what may be held.
    private bool TryHold()
    {
        var held = Volatile.Read(ref _held);
        while (held < _capacity || _capacity is null)
        {
            var seen = Interlocked.CompareExchange(ref _held, held + 1, held);
            if (seen == held)
            {
                return true;
            }

            held = seen;
        }

        return false;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatchSize);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatchSize && reader.TryRead(out var pending))
            {
                if (pending.CancellationToken.IsCancellationRequested)
                {
                    // Its sender has gone and was told nothing: writing it now would store what nobody was answered for.
                    pending.Completion.TrySetCanceled(pending.CancellationToken);
                    Interlocked.Decrement(ref _held);
                    continue;
                }

                batch.Add(pending);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            Volatile.Write(ref _writing, batch.Count);
            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _writing, 0);
                Interlocked.Add(ref _held, -batch.Count);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        using var abandoned = new BatchAbandonment(batch, _cancelWhenAbandoned);
        try
        {
            // Cancelled only once no waiter is left, if at all: while one waits, its commit decides what it is told.
            var results = await _writeBatch(batch.ConvertAll(pending => pending.Item), abandoned.Token).ConfigureAwait(false);
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
            if (batch.Count > 1 && _retryAlone is not null && !abandoned.Token.IsCancellationRequested && _retryAlone(ex))
            {
                foreach (var pending in batch)
                {
                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        pending.Completion.TrySetCanceled(pending.CancellationToken);
                        continue;
                    }

                    await WriteAsync([pending]).ConfigureAwait(false);
                }
            }
            else
            {
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

    /// <summary>A token cancelled once every waiter of a batch has gone (never when disabled, or when one of them cannot go).</summary>
    private sealed class BatchAbandonment : IDisposable
    {
        private readonly CancellationTokenSource _source = new();
        private readonly List<CancellationTokenRegistration> _registrations = [];
        private int _remaining;

        public BatchAbandonment(List<Pending> batch, bool enabled)
        {
            _remaining = batch.Count;
            if (!enabled || batch.Exists(pending => !pending.CancellationToken.CanBeCanceled))
            {
                return;
            }

            foreach (var pending in batch)
            {
                _registrations.Add(pending.CancellationToken.Register(Gone));
            }
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _registrations.ForEach(registration => registration.Dispose());
            _source.Dispose();
        }

        // Off the canceller's thread: cancelling a database command may block for a while.
        private void Gone()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _ = Task.Run(() =>
                {
                    try
                    {
                        _source.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The batch finished meanwhile.
                    }
                });
            }
        }
    }
}
