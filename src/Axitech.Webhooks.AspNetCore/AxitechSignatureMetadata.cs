namespace Axitech.Webhooks.AspNetCore;

/// <summary>Endpoint metadata: the endpoint's requests must verify under <see cref="Policy"/>.</summary>
internal sealed record AxitechSignatureMetadata(string Policy);
