namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// What an HTTP/2 server did with stream 1: answered (<see cref="StatusCode"/>, 0 when it did not), reset it
/// (<see cref="ResetErrorCode"/>), or ended the connection (<see cref="GoAwayErrorCode"/>).
/// </summary>
public sealed record Http2Outcome(int StatusCode, string? Reason, int? ResetErrorCode, int? GoAwayErrorCode, bool ConnectionClosed)
{
    public const int ProtocolError = 0x1;
    public const int Http11Required = 0xd;

    public override string ToString()
        => $"status={StatusCode} reason={Reason ?? "-"} rst={ResetErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} goaway={GoAwayErrorCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} closed={ConnectionClosed}";
}
