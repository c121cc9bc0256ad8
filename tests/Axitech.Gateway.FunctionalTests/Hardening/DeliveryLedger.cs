using System.Collections.Concurrent;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The sender's side of a fault test: every attempt and what it was answered. Checks the promise: every delivery the
/// sender saw acknowledged was acknowledged by the upstream exactly once, every delivery not acknowledged is
/// delivered on retry, and once acknowledged, repeats are answered by the gateway without reaching the upstream.
/// </summary>
public sealed class DeliveryLedger(TestGateway gateway, UpstreamScript upstream)
{
    private readonly ConcurrentDictionary<SignedRequest, ConcurrentQueue<int>> _attempts = new();

    public IEnumerable<SignedRequest> Deliveries => _attempts.Keys;

    /// <summary>Sends once; the status, or 0 when no answer came (connection failed, client gave up).</summary>
    public async Task<int> SendAsync(SignedRequest delivery, CancellationToken cancellationToken = default)
    {
        var statuses = _attempts.GetOrAdd(delivery, _ => new ConcurrentQueue<int>());
        int status;
        try
        {
            using var response = await gateway.SendAsync(delivery, cancellationToken: cancellationToken);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            status = 0;
        }

        statuses.Enqueue(status);
        return status;
    }

    /// <summary>How many attempts were answered with a status matching <paramref name="predicate"/> (0: no answer).</summary>
    public int CountAnswers(Func<int, bool> predicate) => _attempts.Values.Sum(statuses => statuses.Count(predicate));

    public bool IsAcknowledged(SignedRequest delivery) => _attempts.TryGetValue(delivery, out var statuses) && statuses.Any(s => s is >= 200 and < 300);

    /// <summary>Retries every delivery not yet acknowledged, as the vendor does, until each is (or the attempts run out).</summary>
    public async Task RetryUntilAcknowledgedAsync(int maxAttempts = 50)
    {
        foreach (var delivery in Deliveries.Where(d => !IsAcknowledged(d)).ToList())
        {
            await SendUntilAcknowledgedAsync(delivery, maxAttempts);
        }
    }

    public async Task SendUntilAcknowledgedAsync(SignedRequest delivery, int maxAttempts = 50)
    {
        for (var attempt = 0; attempt < maxAttempts && !IsAcknowledged(delivery); attempt++)
        {
            if (await SendAsync(delivery) is not (>= 200 and < 300))
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task AssertEachDeliveredExactlyOnceAsync()
    {
        var sent = Deliveries.ToList();
        foreach (var delivery in sent)
        {
            var statuses = string.Join(",", _attempts[delivery]);
            Assert.True(IsAcknowledged(delivery), $"Never acknowledged after retries: {statuses}.");
            Assert.True(upstream.Acknowledged(delivery.Body) == 1, $"Acknowledged to the sender ({statuses}) but acknowledged {upstream.Acknowledged(delivery.Body)} times by the upstream.");
            Assert.True(_attempts[delivery].All(s => s is 0 or (>= 200 and < 300) or 409 or 500 or 502 or 503 or 504), $"Unexpected answers: {statuses}.");
        }

        var bodies = sent.Select(d => Convert.ToHexString(d.Body)).ToHashSet();
        Assert.All(gateway.Upstream.Received, r => Assert.Contains(Convert.ToHexString(r.Body), bodies));

        // Acknowledged means remembered: every repeat is answered by the gateway and goes no further.
        var before = gateway.Upstream.Received.Count;
        foreach (var delivery in sent)
        {
            using var repeat = await gateway.SendAsync(delivery);
            Assert.True(repeat.IsSuccessStatusCode && repeat.Headers.Contains("X-Axitech-Duplicate"), $"A repeat of an acknowledged delivery was answered {(int)repeat.StatusCode} without the duplicate marker.");
        }

        Assert.Equal(before, gateway.Upstream.Received.Count);
    }
}
