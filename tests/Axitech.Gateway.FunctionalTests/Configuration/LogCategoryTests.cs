using System.Reflection;
using Axitech.Gateway.Telemetry;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>A log level set in a shipped example names a category the gateway logs under, or following it logs nothing.</summary>
public sealed class LogCategoryTests
{
    [Theory]
    [InlineData("config/appsettings.json")]
    [InlineData("config/appsettings.Production.example.json")]
    [InlineData("config/appsettings.Development.json")]
    public void EveryGatewayCategoryInTheExample_IsOneTheGatewayLogsUnder(string file)
    {
        var categories = GatewayCategories();
        var configured = new ConfigurationBuilder().AddJsonFile(RepositoryRoot.File(file)).Build()
            .GetSection("Logging:LogLevel").GetChildren().Select(c => c.Key)
            .Where(k => k.StartsWith("Axitech", StringComparison.OrdinalIgnoreCase))
            .ToList();

        Assert.All(configured, key => Assert.True(
            categories.Any(c => string.Equals(c, key, StringComparison.OrdinalIgnoreCase) || c.StartsWith(key + ".", StringComparison.OrdinalIgnoreCase)),
            $"{file} sets Logging:LogLevel:{key}, but the gateway logs under no such category (it logs under {string.Join(", ", categories.Order(StringComparer.Ordinal))})."));
    }

    [Fact]
    public void TheCategoriesFoundByReflection_IncludeTheAuditTrailAndTheTypedLoggers()
    {
        var categories = GatewayCategories();

        Assert.Contains(LogCategories.Audit, categories);
        Assert.Contains("Axitech.Gateway.Configuration.GatewaySnapshotSource", categories);
        Assert.DoesNotContain("Axitech.Gateway.Verification", categories);
    }

    /// <summary>
    /// The categories of the gateway's code: every <c>ILogger&lt;T&gt;</c> its types take or hold (the category is T's
    /// full name), and the names in <see cref="LogCategories"/>.
    /// </summary>
    private static HashSet<string> GatewayCategories()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        var types = typeof(GatewayApplication).Assembly.GetTypes();
        var loggerTypes = types.SelectMany(t => t.GetConstructors(all).SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
                .Concat(t.GetFields(all).Select(f => f.FieldType)))
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ILogger<>))
            .Select(t => t.GetGenericArguments()[0].FullName!.Replace('+', '.'));
        var named = typeof(LogCategories).GetFields(all).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        return [.. loggerTypes.Concat(named)];
    }
}
