using System.Text;
using Axitech.Gateway.Deduplication;

namespace Axitech.Gateway.Tests.Deduplication;

public sealed class ContentKeyTests
{
    private static readonly string[][] _paths = [["event_type"], ["data", "sessionId"]];

    [Fact]
    public void SameValues_SameKey_WhateverElseDiffers()
    {
        var a = Compute("""{"event_type":"session.submitted","created_at":"1","data":{"sessionId":"s1","x":1}}""");
        var b = Compute("""{"created_at":"2","data":{"x":2,"sessionId":"s1"},"event_type":"session.submitted"}""");

        Assert.NotNull(a);
        Assert.Equal(a, b);
    }

    [Fact]
    public void DifferentValue_DifferentKey()
        => Assert.NotEqual(
            Compute("""{"event_type":"session.submitted","data":{"sessionId":"s1"}}"""),
            Compute("""{"event_type":"session.submitted","data":{"sessionId":"s2"}}"""));

    [Fact]
    public void ValuesAreLengthPrefixed_SoBoundariesCannotShift()
        => Assert.NotEqual(
            Compute("""{"event_type":"ab","data":{"sessionId":"c"}}"""),
            Compute("""{"event_type":"a","data":{"sessionId":"bc"}}"""));

    [Theory]
    [InlineData("""{"event_type":"session.submitted"}""")]
    [InlineData("""{"event_type":"session.submitted","data":"flat"}""")]
    [InlineData("not json")]
    [InlineData("")]
    public void MissingPathOrNotJson_HasNoContentKey(string body) => Assert.Null(Compute(body));

    private static byte[]? Compute(string body)
    {
        var hash = new byte[32];
        return ContentKey.TryCompute(Encoding.UTF8.GetBytes(body), _paths, hash) ? hash : null;
    }
}
