using Axitech.Gateway.Configuration;
using Microsoft.Extensions.Configuration;

namespace Axitech.Gateway.ConsoleTests;

/// <summary><c>Gateway:Console</c> is validated with the rest of the configuration: a mistake is refused, never skipped.</summary>
public sealed class ConsoleOptionsTests
{
    private static readonly string _hash = BCrypt.Net.BCrypt.HashPassword("pw", 4);

    [Fact]
    public void HtpasswdHash_WithTheY_Prefix_IsAccepted_AndVerifies()
    {
        // htpasswd -nbB prints $2y$ (the same algorithm as $2b$); BCrypt.Net-Next must read it.
        var htpasswd = "$2y$" + BCrypt.Net.BCrypt.HashPassword("s3cret", 10)[4..];
        var snapshot = Build(new() { ["Gateway:Console:Users:ann:PasswordHash"] = htpasswd, ["Gateway:Console:Users:ann:Role"] = "Operator" });

        Assert.Empty(snapshot.Errors);
        Assert.Equal("Operator", snapshot.Gateway.Console.Users["ann"].Role);
        Assert.True(BCrypt.Net.BCrypt.Verify("s3cret", htpasswd));
        Assert.False(BCrypt.Net.BCrypt.Verify("S3cret", htpasswd));
    }

    [Fact]
    public void RoleDefaultsToViewer_AndALowCostIsAWarningNotAnError()
    {
        var snapshot = Build(new() { ["Gateway:Console:Users:ann:PasswordHash"] = _hash });

        Assert.Empty(snapshot.Errors);
        Assert.Equal("Viewer", snapshot.Gateway.Console.Users["ann"].Role);
        Assert.Contains(snapshot.Warnings, w => w.Contains("Gateway:Console:Users:ann:PasswordHash has bcrypt cost 4", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("plaintext-password", "is not a bcrypt hash")]
    [InlineData("$apr1$abc$def", "is not a bcrypt hash")]
    [InlineData("$2y$10$tooShort", "is not a bcrypt hash")]
    public void NotABcryptHash_IsRefused(string value, string expected)
    {
        var snapshot = Build(new() { ["Gateway:Console:Users:ann:PasswordHash"] = value });

        Assert.Contains(snapshot.Errors, e => e.StartsWith("Gateway:Console:Users:ann:PasswordHash", StringComparison.Ordinal) && e.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(snapshot.Errors, e => e.Contains(value, StringComparison.Ordinal));
    }

    [Fact]
    public void AWholeHtpasswdLine_IsRefused_WithWhatToKeep()
    {
        var snapshot = Build(new() { ["Gateway:Console:Users:ann:PasswordHash"] = "ann:" + _hash });

        Assert.Contains(snapshot.Errors, e => e.Contains("keep only the part after 'ann:'", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingHash_AndUnknownRole_AreRefused()
    {
        var snapshot = Build(new() { ["Gateway:Console:Users:ann:Role"] = "Admin", ["Gateway:Console:Users:bob:PasswordHash"] = _hash, ["Gateway:Console:Users:bob:Role"] = "operator" });

        Assert.Contains(snapshot.Errors, e => e.StartsWith("Gateway:Console:Users:ann:PasswordHash is not set", StringComparison.Ordinal));
        Assert.Contains(snapshot.Errors, e => e.StartsWith("Gateway:Console:Users:ann:Role is 'Admin'", StringComparison.Ordinal));
        Assert.Contains(snapshot.Errors, e => e.StartsWith("Gateway:Console:Users:bob:Role is 'operator'", StringComparison.Ordinal));
    }

    private static GatewaySnapshot Build(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(TestGateway.Configuration("http://127.0.0.1:1", c =>
        {
            foreach (var (key, value) in values)
            {
                c[key] = value;
            }
        })).Build();
        return GatewaySnapshotBuilder.Build(configuration, "Testing");
    }
}
