using System.Net;
using Axitech.Gateway.Queue;
using Axitech.Webhooks;

namespace Axitech.Gateway.FunctionalTests.Queue;

/// <summary>
/// The workers of a queued route against a real upstream on loopback, with the real gateway on Kestrel and a real
/// SQLite file: what is sent, what is retried and when, what is given up, and how many attempts run at once.
/// </summary>
public sealed class DeliveryWorkerTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-workers-");

    private string DatabasePath => Path.Combine(_directory.FullName, "queue.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _directory.Delete(recursive: true);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(TestGateway.ClaimsPath + "/events")]
    [InlineData(TestGateway.ClaimsPath + "/caf%C3%A9?q=%2F&plus=a+b&a=")]
    [InlineData(TestGateway.ClaimsPath + "/a%20b/c+d?x=%2f&y=%41")]
    [InlineData(TestGateway.ClaimsPath + "/events?")]
    public async Task QueuedDelivery_ArrivesAsAForwardedOneWould_WithItsIdAndAttempt(string target)
    {
        await using var gateway = await TestGateway.StartAsync(c => QueueSettings.Queue(c, DatabasePath));
        var upstream = new UpstreamAttempts(gateway.Upstream);
        var delivery = SignedRequest.Create(target);

        var id = await gateway.AcceptedAsync(delivery);
        await QueueSettings.Eventually(() => upstream.All.Count == 1);

        var received = Assert.Single(upstream.All).Request;
        Assert.Equal("POST", received.Method);
        Assert.Equal(target, received.RawTarget);
        Assert.Equal(delivery.Body, received.Body);
        Assert.Equal("application/json", received.Header("Content-Type"));
        Assert.Equal(delivery.Signature, received.Header(AxitechSignature.SignatureHeaderName));
        Assert.Equal(delivery.Timestamp, received.Header(AxitechSignature.TimestampHeaderName));
        Assert.Equal(id.ToString("D"), received.Header("X-Axitech-Delivery-Id"));
        Assert.Equal("1", received.Header("X-Axitech-Delivery-Attempt"));
        Assert.Equal(delivery.Signature, AxitechSignature.Sign(TestGateway.Secret, received.Method, received.RawTarget, received.Header(AxitechSignature.TimestampHeaderName)!, received.Body));
        var stored = await QueueSettings.WaitForStateAsync(gateway.Store(), id, DeliveryState.Delivered);
        Assert.Equal(200, stored.LastStatusCode);
    }
}
