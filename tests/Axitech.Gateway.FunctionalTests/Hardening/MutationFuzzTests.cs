using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// Property: no single-byte change (replaced, inserted or deleted) to the method, target, timestamp, body or
/// signature of a genuine delivery is forwarded, while every unmutated control is. Seeded; the seed is in every
/// failure message, and <c>AXGW_FUZZ_SEED</c> replays it.
/// </summary>
public sealed class MutationFuzzTests
{
    private const int Mutations = 3000;
    private const int ControlEvery = 10;
    private const int Workers = 4;
    private const string Target = TestGateway.ClaimsPath + "/events?tenant=7&x=%20y";

    private enum Field
    {
        Method,
        Target,
        Timestamp,
        Body,
        Signature,
    }

    [Fact]
    public async Task RandomSingleByteMutations_AreNeverForwarded_WhileEveryControlIs()
    {
        var seed = Environment.GetEnvironmentVariable("AXGW_FUZZ_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var random = new Random(seed);
        await using var gateway = await TestGateway.StartAsync(c => c["Logging:LogLevel:Axitech.Gateway.Verification"] = "Error");

        // Drawn up front from the one seeded generator, so that a seed always names the same requests.
        var plan = new List<(string Description, byte[] Request, bool IsControl, byte[] Body)>();
        for (var i = 0; i < Mutations; i++)
        {
            if (i % ControlEvery == 0)
            {
                var control = SignedRequest.Create(Target);
                plan.Add(($"control {i}", Build(control.Method, control.Target, control.Timestamp, control.Signature, control.Body), true, control.Body));
            }

            var (description, request, body) = Mutate(SignedRequest.Create(Target), random);
            plan.Add(($"mutation {i}: {description}", request, false, body));
        }

        var failures = new ConcurrentQueue<string>();
        var next = -1;
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var index = Interlocked.Increment(ref next); index < plan.Count; index = Interlocked.Increment(ref next))
            {
                var (description, request, isControl, _) = plan[index];
                var response = await RawHttpClient.SendAsync(gateway.PublicPort, [request], timeout: TimeSpan.FromSeconds(5), linger: TimeSpan.Zero);
                var ok = isControl
                    ? response.StatusCode == 200
                    : response.StatusCode is not (>= 200 and < 300) and < 500;
                if (!ok)
                {
                    failures.Enqueue($"{description} -> {response}");
                }
            }
        })));
        var elapsed = DateTime.UtcNow - started;

        var controls = plan.Where(p => p.IsControl).Select(p => Convert.ToHexString(p.Body)).ToHashSet();
        var strays = gateway.Upstream.Received.Where(r => !controls.Contains(Convert.ToHexString(r.Body)))
            .Select(r => $"forwarded: {r.Method} {r.RawTarget} body {Encoding.UTF8.GetString(r.Body)}");
        var problems = failures.Concat(strays).Take(20).ToList();
        Assert.True(problems.Count == 0, $"Seed {seed} (replay with AXGW_FUZZ_SEED={seed}), {plan.Count} requests in {elapsed.TotalSeconds:F1} s:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        Assert.True(gateway.Upstream.Received.Count == controls.Count, $"Seed {seed}: {gateway.Upstream.Received.Count} requests reached the upstream, {controls.Count} controls were sent.");
    }

    private static (string Description, byte[] Request, byte[] Body) Mutate(SignedRequest delivery, Random random)
    {
        var fields = new Dictionary<Field, byte[]>
        {
            [Field.Method] = Encoding.Latin1.GetBytes(delivery.Method),
            [Field.Target] = Encoding.Latin1.GetBytes(delivery.Target),
            [Field.Timestamp] = Encoding.Latin1.GetBytes(delivery.Timestamp),
            [Field.Body] = delivery.Body,
            [Field.Signature] = Encoding.Latin1.GetBytes(delivery.Signature),
        };

        while (true)
        {
            var field = (Field)random.Next(5);
            var original = fields[field];
            var operation = random.Next(20) switch { < 14 => "replace", < 17 => "insert", _ => "delete" };
            var position = random.Next(operation == "insert" ? original.Length + 1 : original.Length);
            var value = (byte)random.Next(256);
            byte[] mutated = operation switch
            {
                "replace" => [.. original[..position], value, .. original[(position + 1)..]],
                "insert" => [.. original[..position], value, .. original[position..]],
                _ => [.. original[..position], .. original[(position + 1)..]],
            };

            if (IsSameUnderTheScheme(field, original, mutated))
            {
                continue;
            }

            fields[field] = mutated;
            var description = $"{field} {operation} at {position}" + (operation == "delete" ? string.Empty : $" byte 0x{value:x2}");
            var request = Build(
                Encoding.Latin1.GetString(fields[Field.Method]),
                Encoding.Latin1.GetString(fields[Field.Target]),
                Encoding.Latin1.GetString(fields[Field.Timestamp]),
                Encoding.Latin1.GetString(fields[Field.Signature]),
                fields[Field.Body]);
            return (description, request, fields[Field.Body]);
        }
    }

    /// <summary>
    /// Changes neither HTTP nor the scheme sees: hex digits are compared case-insensitively, white space around a
    /// header value is not part of it (RFC 9110 §5.5), the request line may be split on runs of white space
    /// (RFC 9112 §3), and the CR and LF of empty lines before the request line are skipped (RFC 9112 §2.2; Kestrel
    /// skips a lone CR too). Everything else changes the signed bytes or the request.
    /// </summary>
    private static bool IsSameUnderTheScheme(Field field, byte[] original, byte[] mutated)
    {
        if (field == Field.Method && mutated.Length == original.Length + 1 && mutated[0] is (byte)'\r' or (byte)'\n')
        {
            return mutated.AsSpan(1).SequenceEqual(original);
        }

        if (field == Field.Body)
        {
            return original.AsSpan().SequenceEqual(mutated);
        }

        var before = Encoding.Latin1.GetString(original).Trim(' ', '\t');
        var after = Encoding.Latin1.GetString(mutated).Trim(' ', '\t');
        return field == Field.Signature ? string.Equals(before, after, StringComparison.OrdinalIgnoreCase) : before == after;
    }

    private static byte[] Build(string method, string target, string timestamp, string signature, byte[] body)
        => new RawHttpRequest
        {
            Method = method,
            Target = target,
            HeadEncoding = Encoding.Latin1,
            HeaderLines =
            [
                "Host: 127.0.0.1",
                $"{AxitechSignature.SignatureHeaderName}: {signature}",
                $"{AxitechSignature.TimestampHeaderName}: {timestamp}",
                "Content-Type: application/json",
                $"Content-Length: {body.Length.ToString(CultureInfo.InvariantCulture)}",
            ],
            Body = body,
        }.ToBytes();
}
