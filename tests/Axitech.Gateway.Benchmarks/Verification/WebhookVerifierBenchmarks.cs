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
/// The signed message is laid out as the middleware lays it out: the prefix (METHOD + target + timestamp) followed by
/// the body, in one buffer. <see cref="WritePrefixAndVerify"/> adds the prefix layout, which is what the middleware
/// does per request on top of <see cref="Verify"/>.
/// </remarks>
[MemoryDiagnoser]
public class WebhookVerifierBenchmarks
{
    private const string Secret = "wh_sec_benchmark_only_not_a_real_secret";
    private const string Method = "POST";
    private const string Target = "/webhooks/axitech?source=widget";

    private static readonly TimeSpan _tolerance = TimeSpan.FromMinutes(5);

    private readonly byte[] _hash = new byte[HMACSHA256.HashSizeInBytes];
    private readonly byte[] _signatureBytes = new byte[AxitechSignature.SizeInBytes];
    private byte[] _key = [];
    private byte[] _message = [];
    private WebhookSecret[] _secrets = [];
    private string _signature = string.Empty;
    private string _timestamp = string.Empty;
    private DateTimeOffset _now;

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

        var prefixLength = AxitechSignature.GetPrefixByteCount(Method, default, Target, _timestamp);
        _message = new byte[prefixLength + body.Length];
        AxitechSignature.WritePrefix(_message, Method, default, Target, _timestamp);
        body.CopyTo(_message.AsSpan(prefixLength));

        _key = Encoding.UTF8.GetBytes(Secret);
        _secrets = [new WebhookSecret(Secret)];

        // A benchmark of a verification that fails early would measure nothing.
        if (Verify() != WebhookVerificationOutcome.Valid || WritePrefixAndVerify() != WebhookVerificationOutcome.Valid)
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

    [Benchmark(Description = "WebhookVerifier.Verify")]
    public WebhookVerificationOutcome Verify()
        => WebhookVerifier.Verify(_message, _signature, _timestamp, _secrets, _now, _tolerance, _signatureBytes, out _);

    [Benchmark(Description = "WritePrefix + Verify")]
    public WebhookVerificationOutcome WritePrefixAndVerify()
    {
        AxitechSignature.WritePrefix(_message, Method, default, Target, _timestamp);
        return WebhookVerifier.Verify(_message, _signature, _timestamp, _secrets, _now, _tolerance, _signatureBytes, out _);
    }
}
