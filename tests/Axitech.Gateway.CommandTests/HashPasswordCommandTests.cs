using System.Text;

namespace Axitech.Gateway.CommandTests;

/// <summary><c>hash-password</c>: a bcrypt hash for <c>Gateway:Console:Users:{name}:PasswordHash</c>, the password read from stdin only.</summary>
public sealed class HashPasswordCommandTests
{
    [Fact]
    public async Task PasswordOnStdin_PrintsABcryptHashThatVerifies_AndNothingOfThePassword()
    {
        const string Password = "a long passphrase for the console";

        var result = await GatewayExecutable.RunAsync(["hash-password"], standardInput: Encoding.UTF8.GetBytes(Password + "\n"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var hash = result.StandardOutput.Trim();
        Assert.Matches(@"^\$2[ab]\$12\$[./A-Za-z0-9]{53}$", hash);
        Assert.True(BCrypt.Net.BCrypt.Verify(Password, hash));
        Assert.False(BCrypt.Net.BCrypt.Verify(Password + "x", hash));
        Assert.DoesNotContain(Password, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordAsAnArgument_IsRefused()
    {
        var result = await GatewayExecutable.RunAsync(["hash-password", "hunter2"], standardInput: Encoding.UTF8.GetBytes("hunter2\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
    }

    [Fact]
    public async Task EmptyStdin_IsRefused()
    {
        var result = await GatewayExecutable.RunAsync(["hash-password"], standardInput: []);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no password given", result.StandardError, StringComparison.Ordinal);
    }
}
