using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class PollIntervalTests
{
    [Fact]
    public void PollInterval_DefaultsTo30Seconds_AndMustBePositive()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), new DeliveryQueueOptions().PollInterval);
        Assert.Equal(
            ["Webhooks:Queue:PollInterval is 00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 00:00:30)."],
            DeliveryQueueOptionsValidator.GetProblems(new DeliveryQueueOptions { PollInterval = TimeSpan.Zero }));
    }
}
