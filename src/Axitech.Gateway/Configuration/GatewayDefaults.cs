namespace Axitech.Gateway.Configuration;

/// <summary>
/// The embedded defaults, the lowest-priority configuration source: <c>config/appsettings*.json</c>, the environment
/// and the command line override them. With them the gateway starts with no appsettings file at all when the
/// environment gives the routes, clusters and secrets.
/// </summary>
internal static class GatewayDefaults
{
    /// <summary>The default port of the Public endpoint, which carries webhook traffic.</summary>
    public const int PublicPort = 8080;

    /// <summary>The default port of the Management endpoint: /healthz, /readyz, /metrics.</summary>
    public const int ManagementPort = 9464;

    public const string PublicEndpointName = "Public";
    public const string ManagementEndpointName = "Management";

    /// <summary>The console's timestamp (UTC); the trailing space separates it from the level in the simple format.</summary>
    public const string LogTimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        [$"Kestrel:Endpoints:{PublicEndpointName}:Url"] = $"http://*:{PublicPort}",

        // HTTP/1.1 and HTTP/2 on Public: Kestrel's default protocols (Http1AndHttp2), left implicit because an explicit
        // value makes Kestrel warn at every cleartext start-up. With TLS (an https:// Url and Kestrel's standard
        // Certificate keys) ALPN negotiates either on the one port. Cleartext has no negotiation: Kestrel serves a cleartext Http1AndHttp2
        // endpoint as HTTP/1.1 only and answers an h2c preface with GOAWAY HTTP_1_1_REQUIRED
        // (https://github.com/dotnet/aspnetcore/issues/56984). An ingress that speaks h2c to the gateway gets its
        // own endpoint with Protocols = Http2, e.g. Kestrel:Endpoints:PublicH2c:Url = http://*:8081 (every endpoint
        // but Management carries webhooks), or sets this one to Http2.
        [$"Kestrel:Endpoints:{ManagementEndpointName}:Url"] = $"http://*:{ManagementPort}",

        // Hardening defaults (Kestrel's own keys; each can be overridden the same way).
        ["Kestrel:AddServerHeader"] = "false",
        ["Kestrel:Limits:MaxRequestHeadersTotalSize"] = "32768",
        ["Kestrel:Limits:MaxRequestHeaderCount"] = "64",
        ["Kestrel:Limits:MaxRequestLineSize"] = "8192",
        ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:10",
        ["Kestrel:Limits:KeepAliveTimeout"] = "00:02:00",
        ["Kestrel:Limits:MaxConcurrentConnections"] = "10000",
        ["Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond"] = "1024",
        ["Kestrel:Limits:MinRequestBodyDataRate:GracePeriod"] = "00:00:05",

        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Yarp"] = "Warning",
        // One line per accepted delivery when set to Information (an audit trail); off by default, for its cost.
        ["Logging:LogLevel:Axitech.Gateway.Audit"] = "Warning",
        // Named, so that the formatter's own options apply: without a name the console logger formats with its
        // deprecated options, which have no timestamp.
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:IncludeScopes"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = LogTimestampFormat,
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
    };
}
