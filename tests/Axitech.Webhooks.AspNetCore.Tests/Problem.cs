using System.Text.Json;

namespace Axitech.Webhooks.AspNetCore.Tests;

internal static class Problem
{
    /// <summary>The <c>reason</c> of an application/problem+json answer (asserting the content type).</summary>
    public static async Task<string> ReasonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return document.RootElement.GetProperty("reason").GetString()!;
    }
}
