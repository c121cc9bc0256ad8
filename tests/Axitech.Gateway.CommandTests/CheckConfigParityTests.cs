namespace Axitech.Gateway.CommandTests;

/// <summary>
/// <c>check-config</c> and start-up validate with the same function (issue 15): each configuration mistake below was
/// "valid" for check-config while the gateway refused to start, often with a stack trace. Now both refuse it, with the
/// same message, and neither prints a stack trace.
/// </summary>
public sealed class CheckConfigParityTests : IDisposable
{
    private const string Configuration = """
        {
          "Kestrel": { "Endpoints": { "Public": { "Url": "http://127.0.0.1:0" }, "Management": { "Url": "http://127.0.0.1:0" } } },
          "Webhooks": { "Policies": { "claims": { "Secrets": [ "wh_sec_parity_0123456789" ] } } },
          "ReverseProxy": {
            "Routes": { "claims": { "ClusterId": "claims-svc", "Match": { "Path": "/webhooks/claims" }, "Metadata": { "WebhookPolicy": "claims" } } },
            "Clusters": { "claims-svc": { "Destinations": { "a": { "Address": "http://127.0.0.1:1" } } } }
          }
        }
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("axgw-parity-");

    public CheckConfigParityTests() => File.WriteAllText(Path.Combine(_directory.FullName, "appsettings.json"), Configuration);

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("Gateway__TrustedProxies__0", "10.0.0.0/33", "Gateway:TrustedProxies")]
    [InlineData("Gateway__DrainTimeout", "abc", "Gateway:DrainTimeout")]
    [InlineData("Deduplication__MaxEntries", "0", "Deduplication:MaxEntries")]
    [InlineData("Gateway__FailureThrottling__PermitLimit", "-1", "Gateway:FailureThrottling:PermitLimit")]
    [InlineData("Kestrel__Endpoints__Management__Url", "htp://127.0.0.1:19464", "Kestrel:Endpoints:Management:Url")]
    [InlineData("Kestrel__Endpoints__Management__Url", "http://127.0.0.1:19463", "use the same port 19463")]
    [InlineData("Kestrel__Limits__MaxRequestHeaderCount", "many", "Kestrel:Limits:MaxRequestHeaderCount")]
    [InlineData("Logging__LogLevel__Default", "Verbose", "Logging:LogLevel:Default")]
    [InlineData("Webhooks__Queue__Lease", "forever", "Webhooks:Queue:Lease")]
    [InlineData("ReverseProxy__Routes__claims__Metadata__WebhookDelivery", "Later", "WebhookDelivery")]
    [InlineData("ReverseProxy__Routes__claims__Metadata__WebhookDeliveryRate", "10", "Metadata:WebhookDeliveryRate applies to queued routes only")]
    public async Task AMistake_IsRefusedByCheckConfigAndByStartUp_WithTheSameMessage_AndNoStackTrace(string variable, string value, string named)
    {
        var environment = new Dictionary<string, string?> { [variable] = value, ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        if (named.StartsWith("use the same port", StringComparison.Ordinal))
        {
            environment["Kestrel__Endpoints__Public__Url"] = "http://127.0.0.1:19463";
        }

        var check = await GatewayExecutable.RunAsync(["check-config", "--config-dir", _directory.FullName], environment);
        environment[GatewayHostSettings.ConfigDirectoryVariable] = _directory.FullName;
        var start = await GatewayExecutable.RunAsync([], environment);

        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.True(start.ExitCode == 1, start.ToString());
        var errors = check.StandardError.Split('\n')
            .Where(l => l.StartsWith("error: ", StringComparison.Ordinal))
            .Select(l => l["error: ".Length..].TrimEnd('\r'))
            .ToList();
        Assert.Contains(errors, e => e.Contains(named, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Contains(e, start.StandardError, StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", check.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", start.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("wh_sec_parity", check.AllOutput + start.AllOutput, StringComparison.Ordinal);
    }
}
