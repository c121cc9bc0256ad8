namespace Axitech.Gateway.Configuration;

/// <summary>What a policy does when the duplicate store cannot be reached.</summary>
public enum StoreUnavailableBehavior
{
    /// <summary>Answer 503 and forward nothing; the sender retries.</summary>
    Reject,

    /// <summary>Forward without duplicate protection; counted and logged each time.</summary>
    Forward,
}
