using Axitech.Webhooks;

namespace Axitech.Gateway.Configuration;

/// <summary>A validated policy, compiled for the hot path: secrets as key bytes, headers and limits resolved.</summary>
internal sealed class WebhookPolicy
{
    public required string Name { get; init; }

    public required WebhookSecret[] Secrets { get; init; }

    public required TimeSpan Tolerance { get; init; }

    public required long MaxBodyBytes { get; init; }

    public required string SignatureHeader { get; init; }

    public required string TimestampHeader { get; init; }

    /// <summary>Empty when the ingress strips nothing.</summary>
    public required string SignedPathPrefix { get; init; }

    public required DeduplicationOptions Deduplication { get; init; }

    /// <summary>The content key's JSON paths split on dots; empty when the key is the signature.</summary>
    public required string[][] ContentKeyPaths { get; init; }
}
