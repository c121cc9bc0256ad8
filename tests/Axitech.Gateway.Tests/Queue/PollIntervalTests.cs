using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class PollIntervalTests
{
    [Fact]
    public void PollInterval_DefaultsTo30Seconds_AndIsPositive_AndAtMostAnHour()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), new DeliveryQueueOptions().PollInterval);
        Assert.Empty(DeliveryQueueOptionsValidator.GetProblems(new DeliveryQueueOptions { PollInterval = TimeSpan.FromHours(1) }));
        Assert.Equal(
            ["Webhooks:Queue:PollInterval is 00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 00:00:30)."],
            DeliveryQueueOptionsValidator.GetProblems(new DeliveryQueueOptions { PollInterval = TimeSpan.Zero }));
        Assert.Equal(
            ["Webhooks:Queue:PollInterval is 1.00:00:00: set it to at most 01:00:00 (the default is 00:00:30); it bounds how late a replay or another replica's acceptance is seen."],
            DeliveryQueueOptionsValidator.GetProblems(new DeliveryQueueOptions { PollInterval = TimeSpan.FromDays(1) }));
    }
}
