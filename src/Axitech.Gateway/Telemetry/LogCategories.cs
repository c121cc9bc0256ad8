namespace Axitech.Gateway.Telemetry;

/// <summary>
/// The log categories the gateway names itself, besides the <c>ILogger&lt;T&gt;</c> of its types (category: the type's
/// full name). Operators set levels by these names (<c>Logging:LogLevel:Axitech.Gateway.Audit</c>); a test checks every
/// category in the shipped examples against them, so a name here is a promise.
/// </summary>
internal static class LogCategories
{
    /// <summary>The start-up line with the listening addresses.</summary>
    public const string Gateway = "Axitech.Gateway";

    /// <summary>One line per accepted, queued or repeated delivery, at Information (off by default).</summary>
    public const string Audit = "Axitech.Gateway.Audit";

    /// <summary>Refused deliveries, summarised.</summary>
    public const string Rejections = "Axitech.Gateway.Rejections";
}
