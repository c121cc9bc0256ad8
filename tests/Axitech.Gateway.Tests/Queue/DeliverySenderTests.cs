using System.Net.Http.Headers;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class DeliverySenderTests
{
    private static readonly DateTimeOffset _now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, 60d, 60d, 50d)] // the default lease: 100 s of YARP's default, but a quarter of the lease (10 s at most) is kept back
    [InlineData(20d, 60d, 60d, 20d)] // a cluster's own activity timeout, well inside the lease
    [InlineData(null, 2d, 2d, 1.5)] // a short lease: a quarter of it kept back
    [InlineData(null, 600d, 600d, 100d)] // a long lease: YARP's default activity timeout
    [InlineData(null, 60d, 30d, 20d)] // leased 30 s ago: what is left of the lease, less the margin
    [InlineData(null, 60d, 5d, -5d)] // (nearly) over before sending: nothing is sent
    public void AnAttempt_EndsBeforeItsLeaseDoes(double? activityTimeout, double lease, double leaseLeft, double expected)
    {
        var timeout = DeliverySender.AttemptTimeout(
            activityTimeout is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            TimeSpan.FromSeconds(lease),
            _now.AddSeconds(leaseLeft),
            _now);

        Assert.Equal(TimeSpan.FromSeconds(expected), timeout);
    }

    [Fact]
    public void RetryAfter_InSecondsOrAsADate_IsADelay()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), DeliverySender.RetryAfter(RetryConditionHeaderValue.Parse("120"), _now));
        Assert.Equal(TimeSpan.FromSeconds(90), DeliverySender.RetryAfter(RetryConditionHeaderValue.Parse(_now.AddSeconds(90).ToString("R")), _now));
        Assert.Equal(TimeSpan.Zero, DeliverySender.RetryAfter(RetryConditionHeaderValue.Parse(_now.AddSeconds(-90).ToString("R")), _now));
        Assert.Null(DeliverySender.RetryAfter(null, _now));
    }
}
