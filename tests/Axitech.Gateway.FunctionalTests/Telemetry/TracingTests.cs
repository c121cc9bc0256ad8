using System.Diagnostics;
using System.Net;
using System.Text;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

public sealed class TracingTests : IAsyncLifetime
{
    private const string Target = TestGateway.ClaimsPath + "/events";
    private readonly SpanCollection _spans = new();
    private TestGateway _gateway = null!;
    private HttpClient _sender = null!;

    public async ValueTask InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync(services: _spans.AddTo);
        _sender = UntracedSender.Create(_gateway.PublicPort);
    }

    public async ValueTask DisposeAsync()
    {
        _sender.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task AcceptedDelivery_IsTracedFromTheServerSpanThroughVerificationToTheUpstreamsTraceparent()
    {
        var delivery = SignedRequest.Create(Target);

        using var response = await _sender.SendAsync(delivery.ToHttpRequest(_gateway.PublicPort));
        var upstreamParent = Traceparent.Parse(Assert.Single(_gateway.Upstream.Received).Header("traceparent"));
        var trace = await WaitForGatewayTraceAsync(upstreamParent.TraceId, forwarded: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verify = VerifySpan(trace);
        var server = ServerSpanOf(trace, verify);
        var client = Assert.Single(trace, s => s.Source.Name == "System.Net.Http");
        Assert.Equal(default, server.ParentSpanId);
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.Equal(server.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, upstreamParent.ParentId);
        Assert.True(upstreamParent.Sampled);

        Assert.Equal("claims", verify.GetTagItem("route"));
        Assert.Equal("axitech", verify.GetTagItem("policy"));
        Assert.Equal("accepted", verify.GetTagItem("outcome"));
        Assert.Null(verify.GetTagItem("reason"));
        Assert.Equal((long)delivery.Body.Length, verify.GetTagItem("http.request.body.size"));
        Assert.Equal(ActivityStatusCode.Unset, verify.Status);
        Assert.True(verify.StartTimeUtc + verify.Duration <= client.StartTimeUtc, "Verification ends before the forwarded request starts.");
        AssertNothingSecret(trace, delivery);
    }

    [Fact]
    public async Task RejectedDelivery_HasAnErrorVerificationSpanWithItsReason_AndNoForwardedSpan()
    {
        var forged = SignedRequest.Create(Target, secret: "wh_sec_attacker");
        var sender = Traceparent.New();

        using var response = await SendWithTraceparentAsync(forged, sender);
        var trace = await WaitForGatewayTraceAsync(sender.TraceId, forwarded: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var verify = VerifySpan(trace);
        var server = ServerSpanOf(trace, verify);
        Assert.Equal(sender.ParentId, server.ParentSpanId);
        Assert.Equal("rejected", verify.GetTagItem("outcome"));
        Assert.Equal("invalid_signature", verify.GetTagItem("reason"));
        Assert.Equal("claims", verify.GetTagItem("route"));
        Assert.Equal("axitech", verify.GetTagItem("policy"));
        Assert.Equal(ActivityStatusCode.Error, verify.Status);
        Assert.Equal("invalid_signature", verify.StatusDescription);
        Assert.DoesNotContain(trace, s => s.Source.Name == "System.Net.Http");
        Assert.Empty(_gateway.Upstream.Received);
        AssertNothingSecret(trace, forged);
    }

    [Fact]
    public async Task SendersTraceparent_IsHonoured_AndTheUpstreamJoinsTheSendersTrace()
    {
        var delivery = SignedRequest.Create(Target);
        var sender = Traceparent.New();

        using var response = await SendWithTraceparentAsync(delivery, sender);
        var received = Assert.Single(_gateway.Upstream.Received);
        var upstreamParent = Traceparent.Parse(received.Header("traceparent"));
        var trace = await WaitForGatewayTraceAsync(sender.TraceId, forwarded: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(sender.TraceId, upstreamParent.TraceId);
        Assert.NotEqual(sender.ParentId, upstreamParent.ParentId);
        var server = ServerSpanOf(trace, VerifySpan(trace));
        Assert.Equal(sender.ParentId, server.ParentSpanId);
        var client = Assert.Single(trace, s => s.Source.Name == "System.Net.Http");
        Assert.Equal(server.SpanId, client.ParentSpanId);
        Assert.Equal(client.SpanId, upstreamParent.ParentId);
    }

    private Task<HttpResponseMessage> SendWithTraceparentAsync(SignedRequest request, Traceparent traceparent)
    {
        var message = request.ToHttpRequest(_gateway.PublicPort);
        message.Headers.TryAddWithoutValidation("traceparent", traceparent.ToString());
        return _sender.SendAsync(message);
    }

    /// <summary>The trace once the gateway's server span (the parent of the verification span) has ended.</summary>
    private Task<IReadOnlyList<Activity>> WaitForGatewayTraceAsync(ActivityTraceId traceId, bool forwarded)
        => _spans.WaitForTraceAsync(traceId, trace =>
            trace.FirstOrDefault(s => s.OperationName == GatewayTelemetry.VerifyActivityName) is { } verify
            && trace.Any(s => s.SpanId == verify.ParentSpanId)
            && (!forwarded || trace.Any(s => s.Source.Name == "System.Net.Http")));

    private static Activity VerifySpan(IReadOnlyList<Activity> trace)
    {
        var verify = Assert.Single(trace, s => s.Source.Name == GatewayTelemetry.ActivitySourceName);
        Assert.Equal(GatewayTelemetry.VerifyActivityName, verify.OperationName);
        Assert.Equal(ActivityKind.Internal, verify.Kind);
        return verify;
    }

    private static Activity ServerSpanOf(IReadOnlyList<Activity> trace, Activity verify)
    {
        var server = Assert.Single(trace, s => s.SpanId == verify.ParentSpanId);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal("Microsoft.AspNetCore", server.Source.Name);
        return server;
    }

    /// <summary>No secret, signature or payload content in any name, attribute, status or event of the trace.</summary>
    private static void AssertNothingSecret(IReadOnlyList<Activity> trace, SignedRequest delivery)
    {
        var text = new StringBuilder();
        foreach (var span in trace)
        {
            text.AppendLine(span.DisplayName).AppendLine(span.StatusDescription);
            foreach (var tag in span.TagObjects)
            {
                text.Append(tag.Key).Append('=').AppendLine(Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var spanEvent in span.Events)
            {
                text.AppendLine(spanEvent.Name);
                foreach (var tag in spanEvent.Tags)
                {
                    text.Append(tag.Key).Append('=').AppendLine(Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            foreach (var item in span.Baggage)
            {
                text.Append(item.Key).Append('=').AppendLine(item.Value);
            }
        }

        var all = text.ToString();
        Assert.Contains("outcome=", all, StringComparison.Ordinal);
        Assert.DoesNotContain(TestGateway.Secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain("wh_sec_attacker", all, StringComparison.Ordinal);
        Assert.DoesNotContain(delivery.Signature, all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sessionId", all, StringComparison.Ordinal);
        Assert.DoesNotContain("contact@example.com", all, StringComparison.Ordinal);
        Assert.DoesNotContain(Encoding.UTF8.GetString(delivery.Body), all, StringComparison.Ordinal);
    }
}
