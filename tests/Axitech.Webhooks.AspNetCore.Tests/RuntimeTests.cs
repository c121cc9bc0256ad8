namespace Axitech.Webhooks.AspNetCore.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void EachBuild_RunsOnTheRuntimeOfItsTargetFramework()
    {
#if NET10_0
        const int expected = 10;
#else
        const int expected = 8;
#endif
        Assert.Equal(expected, Environment.Version.Major);
    }
}
