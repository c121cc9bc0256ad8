using Axitech.Gateway.Commands;

namespace Axitech.Gateway.Tests.Commands;

public sealed class EnvironmentFileTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Lines_AreReadAsSystemdReadsAnEnvironmentFile_AndMappedToConfigurationKeys()
    {
        File.WriteAllText(_path, string.Join('\n',
            "# a comment",
            "; another",
            "",
            "  Webhooks__Policies__claims__Secrets__0 = wh_sec_plain  ",
            "Webhooks__Policies__claims__Secrets__1=\"wh sec \\\"quoted\\\"\"",
            "ConnectionStrings__Redis='redis:6379,password=a#b'",
            "Gateway__DrainTimeout=00:00:\\",
            "10"));

        var values = EnvironmentFile.Read(_path).ToDictionary();

        Assert.Equal(4, values.Count);
        Assert.Equal("wh_sec_plain", values["Webhooks:Policies:claims:Secrets:0"]);
        Assert.Equal("wh sec \"quoted\"", values["Webhooks:Policies:claims:Secrets:1"]);
        Assert.Equal("redis:6379,password=a#b", values["ConnectionStrings:Redis"]);
        Assert.Equal("00:00:10", values["Gateway:DrainTimeout"]);
    }

    [Fact]
    public void ALineWithoutAnEqualsSign_IsRefusedWithItsLineNumber()
    {
        File.WriteAllText(_path, "A=1\nexport\n");

        var error = Assert.Throws<CommandException>(() => EnvironmentFile.Read(_path));

        Assert.Contains($"{_path}:2:", error.Message, StringComparison.Ordinal);
    }
}
