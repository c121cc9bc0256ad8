namespace Axitech.Gateway.DeliveryConsole;

/// <summary>What a sign-in attempt came to.</summary>
internal enum SignInOutcome
{
    SignedIn,

    /// <summary>Unknown name or wrong password (which one is not said).</summary>
    Refused,

    /// <summary>The client has used up its failures for the window (Gateway:FailureThrottling): not even checked.</summary>
    Throttled,
}
