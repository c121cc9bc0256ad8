using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>A delivery signed the way Axitech signs one: what goes on the wire, without the secret.</summary>
internal sealed record SignedDelivery
{
    public required string Method { get; init; }

    /// <summary>The request target (path and query) exactly as signed and sent.</summary>
    public required string Target { get; init; }

    public required string Timestamp { get; init; }

    /// <summary>Lower-case hex HMAC-SHA256.</summary>
    public required string Signature { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    public static SignedDelivery Create(string secret, string method, string target, string timestamp, ReadOnlyMemory<byte> body)
    {
        // The vendor upper-cases the method before signing, and sends it upper-case.
        var upperMethod = method.ToUpperInvariant();
        return new SignedDelivery
        {
            Method = upperMethod,
            Target = target,
            Timestamp = timestamp,
            Signature = AxitechSignature.Sign(secret, upperMethod, target, timestamp, body.Span),
            Body = body,
        };
    }
}
