namespace Axitech.Gateway.Queue;

/// <summary>An acceptance waiting for the writer: its row and the caller waiting for the commit.</summary>
internal sealed class PendingAcceptance
{
    public PendingAcceptance(PreparedDelivery row, CancellationToken cancellationToken)
    {
        Row = row;
        CancellationToken = cancellationToken;
    }

    public PreparedDelivery Row { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Completed once the batch holding the row committed (or failed); continuations run off the writer's loop.</summary>
    public TaskCompletionSource<AcceptResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
