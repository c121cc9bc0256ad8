using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Axitech.Gateway.FunctionalTests.Telemetry;

/// <summary>
/// The console log as a log shipper reads it: the built gateway run as its own process, its stdout read line by line.
/// In-process capture would mix in every other test's gateway, and would not be the console formatter's output.
/// </summary>
public sealed class JsonConsoleLogTests
{
    [Fact]
    public async Task JsonFormatter_WritesOneObjectALine_WithTheRequestsTraceAndSpanIds()
    {
        await using var gateway = await GatewayProcess.StartAsync(
            c =>
            {
                c["Logging:LogLevel:Axitech.Gateway"] = "Information";
                c["Logging:LogLevel:Axitech.Gateway.Audit"] = "Information";
            },
            environment: new Dictionary<string, string?> { ["Logging__Console__FormatterName"] = "json" });
        using var sender = UntracedSender.Create(gateway.PublicPort);
        var acceptedTrace = ActivityTraceId.CreateRandom();
        var rejectedTrace = ActivityTraceId.CreateRandom();
        var accepted = SignedRequest.Create(TestGateway.ClaimsPath + "/events");
        var forged = SignedRequest.Create(TestGateway.ClaimsPath + "/events", secret: "wh_sec_attacker");

        using var acceptedResponse = await SendAsync(sender, gateway, accepted, acceptedTrace);
        using var rejectedResponse = await SendAsync(sender, gateway, forged, rejectedTrace);
        var lines = await Eventually.UntilAsync(
            () => Task.FromResult(gateway.StandardOutputLines),
            lines => lines.Any(l => l.Contains("\"EventId\":2001", StringComparison.Ordinal)) && lines.Any(l => l.Contains("\"EventId\":2002", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20),
            _ => $"The gateway process did not log what was expected.{Environment.NewLine}{gateway.Output}");

        Assert.Equal(HttpStatusCode.OK, acceptedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rejectedResponse.StatusCode);
        var entries = lines.Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            return document.RootElement.Clone();
        }).ToList();
        Assert.All(entries, e => Assert.True(e.GetProperty("Timestamp").TryGetDateTimeOffset(out _), $"Timestamp '{e.GetProperty("Timestamp").GetString()}' is not ISO 8601."));

        var acceptance = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 2002);
        Assert.Equal("Information", acceptance.GetProperty("LogLevel").GetString());
        Assert.Equal(acceptedTrace.ToHexString(), JsonLogEvent.Scope(acceptance, "TraceId"));
        Assert.Matches("^[0-9a-f]{16}$", JsonLogEvent.Scope(acceptance, "SpanId"));

        var rejection = Assert.Single(entries, e => e.GetProperty("EventId").GetInt32() == 2001);
        Assert.Equal("Warning", rejection.GetProperty("LogLevel").GetString());
        Assert.Equal(rejectedTrace.ToHexString(), JsonLogEvent.Scope(rejection, "TraceId"));
        Assert.Matches("^[0-9a-f]{16}$", JsonLogEvent.Scope(rejection, "SpanId"));
        var state = rejection.GetProperty("State");
        Assert.Equal("claims", state.GetProperty("Route").GetString());
        Assert.Equal("axitech", state.GetProperty("Policy").GetString());
        Assert.Equal("invalid_signature", state.GetProperty("Reason").GetString());

        var all = string.Join('\n', lines);
        Assert.DoesNotContain(TestGateway.Secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(accepted.Signature, all, StringComparison.Ordinal);
        Assert.DoesNotContain(forged.Signature, all, StringComparison.Ordinal);
        Assert.DoesNotContain("sessionId", all, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient sender, GatewayProcess gateway, SignedRequest request, ActivityTraceId traceId)
    {
        var message = request.ToHttpRequest(gateway.PublicPort);
        message.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return sender.SendAsync(message);
    }
}
