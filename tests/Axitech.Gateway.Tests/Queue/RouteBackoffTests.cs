using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class RouteBackoffTests
{
    private static readonly DateTimeOffset _now = new(2026, 12, 8, 4, 0, 0, TimeSpan.Zero);
    private static readonly string[] _both = ["d1", "d2"];

    private readonly RouteBackoff _backoff = new(new DeliveryRetryPolicy(new DeliveryRetryOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) }));

    [Fact]
    public void FailuresInARow_OnEveryDestination_BeginAnOutage_WithOneTransition()
    {
        Assert.False(_backoff.Failed(_now, "d1", _both, null));
        Assert.False(_backoff.Failed(_now, "d2", _both, null));
        Assert.True(_backoff.Failed(_now, "d1", _both, null));

        Assert.True(_backoff.IsBackingOff);
        Assert.InRange(_backoff.NextProbeAt - _now, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.Equal(new RouteBackoff.Transition(true, _now, TimeSpan.Zero), _backoff.TakeTransition());
        Assert.Null(_backoff.TakeTransition());
    }

    [Fact]
    public void FailuresOnOneDestinationOfTwo_AreNoOutage()
    {
        for (var i = 0; i < 10; i++)
        {
            Assert.False(_backoff.Failed(_now, "d2", _both, null));
        }

        Assert.False(_backoff.IsBackingOff);
    }

    [Fact]
    public void AnAnswerBetweenFailures_StartsTheCountAgain()
    {
        _backoff.Failed(_now, "d1", ["d1"], null);
        _backoff.Failed(_now, "d1", ["d1"], null);
        _backoff.Answered(_now);
        _backoff.Failed(_now, "d1", ["d1"], null);
        _backoff.Failed(_now, "d1", ["d1"], null);

        Assert.False(_backoff.IsBackingOff);
        Assert.Null(_backoff.TakeTransition());
    }

    [Fact]
    public void ProbeSteps_GrowToMaxDelay_HonourRetryAfter_AndAnAnswerEndsTheOutage()
    {
        for (var i = 0; i < RouteBackoff.FailuresToBackOff; i++)
        {
            _backoff.Failed(_now, "d1", ["d1"], null);
        }

        _backoff.TakeTransition();
        var late = _now;
        for (var step = 0; step < 20; step++)
        {
            late = _backoff.ProbeFailed(late, null);
        }

        Assert.Equal(TimeSpan.FromSeconds(30), _backoff.ProbeFailed(late, null) - late);
        Assert.Equal(TimeSpan.FromMinutes(10), _backoff.ProbeFailed(late, TimeSpan.FromMinutes(10)) - late);

        _backoff.Answered(late.AddMinutes(1));

        Assert.False(_backoff.IsBackingOff);
        Assert.Equal(new RouteBackoff.Transition(false, _now, late.AddMinutes(1) - _now), _backoff.TakeTransition());
    }
}
