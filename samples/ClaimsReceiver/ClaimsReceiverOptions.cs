namespace ClaimsReceiver;

/// <summary>The sample's own settings: <c>ClaimsReceiver</c>.</summary>
public sealed record ClaimsReceiverOptions
{
    public const string SectionName = "ClaimsReceiver";

    /// <summary>How long processing a delivery takes. The default is none.</summary>
    public TimeSpan ProcessingDelay { get; init; }
}
