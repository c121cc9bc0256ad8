namespace Axitech.Gateway.Queue;

/// <summary>
/// The delivery store could not be reached or could not write (database down, disk full, file read-only). Nothing the
/// operation would have changed was committed. The message names the store and the operation, never row contents.
/// </summary>
public sealed class DeliveryStoreUnavailableException : Exception
{
    public DeliveryStoreUnavailableException()
    {
    }

    public DeliveryStoreUnavailableException(string message)
        : base(message)
    {
    }

    public DeliveryStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
