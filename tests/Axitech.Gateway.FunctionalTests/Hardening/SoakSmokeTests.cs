using Axitech.Gateway.Testing.Soak;

namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>
/// The hardening soak (<see cref="HardeningSoak"/>: genuine deliveries plus 20% forgeries at a steady rate, failure
/// throttling on, against the gateway as its own process), run briefly so that its promises are checked on every
/// run. The soak itself runs for minutes in the benchmarks: <c>dotnet run -c Release --project
/// tests/Axitech.Gateway.Benchmarks -- soak</c>.
/// </summary>
[Collection(nameof(SoakRunsAlone))]
public sealed class SoakSmokeTests
{
    [Fact]
    public async Task SteadyLoadWithForgeries_HasNoErrorsOnAuthenticTraffic_FlatMemory_AndMetricsEqualToWhatWasSent()
    {
        var report = await HardeningSoak.RunAsync(new SoakOptions { Duration = TimeSpan.FromSeconds(15) });

        foreach (var line in report.Summary())
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }

        var violations = report.Violations();
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations.Concat(report.Summary())));
        Assert.True(report.AuthenticAnswers.Count > 0 && report.ForgedAnswers.Count > 0, "The soak sent nothing.");
    }
}
