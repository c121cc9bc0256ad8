using Axitech.Webhooks;

namespace Axitech.Gateway.Configuration;

/// <summary>A validated policy, compiled for the hot path: secrets as key bytes, headers and limits resolved.</summary>
internal sealed class WebhookPolicy
{
    public required string Name { get; init; }

    public required WebhookSecret[] Secrets { get; init; }

    /// <summary>
    /// The configuration key of each of <see cref="Secrets"/> under the policy's <c>Secrets</c> (<c>1</c> for
    /// <c>Secrets:1</c>), in the same order. Blank entries are left out of <see cref="Secrets"/>, so a secret's
    /// position there is not its key.
    /// </summary>
    public required string[] SecretConfigurationKeys { get; init; }

    public required TimeSpan Tolerance { get; init; }

    public required long MaxBodyBytes { get; init; }

    public required string SignatureHeader { get; init; }

    public required string TimestampHeader { get; init; }

    /// <summary>Empty when the ingress strips nothing.</summary>
    public required string SignedPathPrefix { get; init; }

    public required DeduplicationOptions Deduplication { get; init; }

    /// <summary>The one timestamp form accepted, or <see cref="WebhookTimestampFormat.Any"/>.</summary>
    public WebhookTimestampFormat TimestampFormat { get; init; }

    /// <summary>The content key's JSON paths split on dots; empty when the key is the signature.</summary>
    public required string[][] ContentKeyPaths { get; init; }
}
