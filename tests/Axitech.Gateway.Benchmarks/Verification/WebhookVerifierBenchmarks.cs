using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Axitech.Webhooks;
using BenchmarkDotNet.Attributes;

namespace Axitech.Gateway.Benchmarks.Verification;

/// <summary>
/// Issue 6, target 1: verification alone costs at most 1.10× a one-shot <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>
/// over the same bytes (the floor: the HMAC has to be computed anyway), and allocates nothing.
/// </summary>
/// <remarks>
/// <see cref="Verify"/> is the gateway's own path: <see cref="IncrementalSignature"/> started with the signed prefix,
/// fed the body in 4 KiB pieces (Kestrel's buffer segments) as they arrive, then completed. <see cref="OneShotVerify"/>
/// is <see cref="WebhookVerifier.Verify"/> over the message laid out in one buffer (prefix, then body), which tools use.
/// </remarks>
[MemoryDiagnoser]
public class WebhookVerifierBenchmarks
{
    private const string Secret = "wh_sec_benchmark_only_not_a_real_secret";
    private const string Method = "POST";
    private const string Target = "/webhooks/axitech?source=widget";

    /// <summary>Kestrel hands a request body over in segments of its memory pool's blocks.</summary>
    private const int SegmentBytes = 4096;

    private static readonly TimeSpan _tolerance = TimeSpan.FromMinutes(5);

    private readonly byte[] _hash = new byte[HMACSHA256.HashSizeInBytes];
    private readonly byte[] _signatureBytes = new byte[AxitechSignature.SizeInBytes];
    private byte[] _key = [];
    private byte[] _message = [];
    private WebhookSecret[] _secrets = [];
    private string _signature = string.Empty;
    private string _timestamp = string.Empty;
    private DateTimeOffset _now;
    private int _prefixLength;

    [Params(1024, 64 * 1024, 1024 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _now = TimeProvider.System.GetUtcNow();
        _timestamp = _now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

        var body = new byte[BodyBytes];
        new Random(42).NextBytes(body);
        _signature = AxitechSignature.Sign(Secret, Method, Target, _timestamp, body);

        _prefixLength = AxitechSignature.GetPrefixByteCount(Method, default, Target, _timestamp);
        _message = new byte[_prefixLength + body.Length];
        AxitechSignature.WritePrefix(_message, Method, default, Target, _timestamp);
        body.CopyTo(_message.AsSpan(_prefixLength));

        _key = Encoding.UTF8.GetBytes(Secret);
        _secrets = [new WebhookSecret(Secret)];

        // A benchmark of a verification that fails early would measure nothing.
        if (Verify() != WebhookVerificationOutcome.Valid || OneShotVerify() != WebhookVerificationOutcome.Valid)
        {
            throw new InvalidOperationException("The benchmark's delivery does not verify.");
        }
    }

    [Benchmark(Baseline = true, Description = "HMACSHA256.HashData (floor)")]
    public byte HashDataFloor()
    {
        HMACSHA256.HashData(_key, _message, _hash);
        return _hash[0];
    }

    [Benchmark(Description = "IncrementalSignature (the gateway's)")]
    public WebhookVerificationOutcome Verify()
    {
        var signature = IncrementalSignature.Start(_secrets, Method, default, Target, _timestamp);
        try
        {
            var body = _message.AsSpan(_prefixLength);
            for (var offset = 0; offset < body.Length; offset += SegmentBytes)
            {
                signature.Append(body.Slice(offset, Math.Min(SegmentBytes, body.Length - offset)));
            }

            return signature.Complete(_signature, _timestamp, _now, _tolerance, _signatureBytes, out _);
        }
        finally
        {
            signature.Dispose();
        }
    }

    [Benchmark(Description = "WebhookVerifier.Verify (one-shot)")]
    public WebhookVerificationOutcome OneShotVerify()
        => WebhookVerifier.Verify(_message, _signature, _timestamp, _secrets, _now, _tolerance, _signatureBytes, out _);
}
