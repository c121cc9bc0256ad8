namespace Axitech.Gateway.Benchmarks.Load;

/// <summary>Everything measured for one body size.</summary>
internal sealed record SizeResult(
    int BodyBytes,
    IReadOnlyList<RoundPair> Peak,
    IReadOnlyList<RoundPair> Paced,
    double PacedTargetRate,
    IReadOnlyList<Measurement> EqualLoad,
    double EqualLoadRate,
    IReadOnlyList<(string Type, long Bytes)> BaselineAllocations,
    IReadOnlyList<(string Type, long Bytes)> GatewayAllocations,
    double HmacMicroseconds);
