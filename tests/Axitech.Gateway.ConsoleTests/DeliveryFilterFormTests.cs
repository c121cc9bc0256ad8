using Axitech.Gateway.DeliveryConsole.Pages;

namespace Axitech.Gateway.ConsoleTests;

/// <summary>The deliveries filter as the form gives it: times are UTC whatever the server's zone, unknown states do not filter.</summary>
public sealed class DeliveryFilterFormTests
{
    [Fact]
    public void DatetimeLocalInputs_AreReadAsUtc_AndBlankFieldsDoNotFilter()
    {
        var form = new DeliveryFilterForm { Route = " claims ", State = "dead", Error = "", From = "2026-12-08T03:00", To = "2026-12-08T04:30", Order = "oldest" };

        var filter = form.ToFilter();

        Assert.Equal("claims", filter.Route);
        Assert.Equal("dead", filter.State);
        Assert.Null(filter.Error);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 3, 0, 0, TimeSpan.Zero), filter.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 4, 30, 0, TimeSpan.Zero), filter.To);
        Assert.True(filter.OldestFirst);
        Assert.Equal("route=claims&state=dead&from=2026-12-08T03%3A00&to=2026-12-08T04%3A30&order=oldest", form.ToQueryString());
    }

    [Fact]
    public void UnknownStateOrTime_IsNoFilter_NotAnError()
    {
        var filter = new DeliveryFilterForm { State = "'; DROP TABLE deliveries; --", From = "yesterday" }.ToFilter();

        Assert.Null(filter.State);
        Assert.Null(filter.From);
        Assert.False(filter.OldestFirst);
    }
}
