using System.Text.Json;
using Axitech.Gateway.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Axitech.Gateway.Health;

/// <summary>Writes a health report as JSON: the overall status and each check with its status and description.</summary>
internal static class HealthResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        // The health checks middleware has set 503 for an unhealthy report by now.
        GatewayTelemetry.TagServerError(context);
        context.Response.ContentType = "application/json";
        var payload = new
        {
            status = report.Status.ToString(),
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 3),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 3),
            }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, payload, cancellationToken: context.RequestAborted);
    }
}
