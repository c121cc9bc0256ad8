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
    [InlineData("[1, 2]")]
    public void JsonWithoutAPath_HasNoContentKey(string body)
        => Assert.Equal(ContentKeyResult.MissingPath, ContentKey.Compute(Encoding.UTF8.GetBytes(body), _paths, new byte[32]));

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""Z{"event_type":"a","data":{"sessionId":"b"}}""")]
    [InlineData("""1{"event_type":"a","data":{"sessionId":"b"}}""")]
    public void NotJson_IsToldApart_SoThatASlidCopyIsNotKeyedOnItsSignature(string body)
        => Assert.Equal(ContentKeyResult.NotJson, ContentKey.Compute(Encoding.UTF8.GetBytes(body), _paths, new byte[32]));

    private static byte[]? Compute(string body)
    {
        var hash = new byte[32];
        return ContentKey.Compute(Encoding.UTF8.GetBytes(body), _paths, hash) == ContentKeyResult.Computed ? hash : null;
    }
}
