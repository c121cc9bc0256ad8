using System.Security.Cryptography;
using System.Text;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class BodyProtectorTests
{
    private static readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly Guid _id = Guid.CreateVersion7();

    [Fact]
    public void Protect_UsesTheDocumentedLayout_AndAFreshNonceEachTime()
    {
        var protector = BodyProtector.Create([_key]);
        var body = Encoding.UTF8.GetBytes("{\"event_type\":\"session.submitted\"}");

        var first = protector.Protect(body, _id, "claims");
        var second = protector.Protect(body, _id, "claims");

        Assert.Equal(1 + 4 + 12 + body.Length + 16, first.Length);
        Assert.Equal(BodyProtector.FormatVersion, first[0]);
        Assert.Equal(BodyProtector.ComputeKeyId(Convert.FromBase64String(_key)), Convert.ToHexStringLower(first.AsSpan(1, 4)));
        Assert.NotEqual(first.AsSpan(5, 12).ToArray(), second.AsSpan(5, 12).ToArray());
        Assert.Equal(body, protector.Unprotect(first, _id, "claims", out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("another id")]
    [InlineData("another route")]
    [InlineData("a flipped byte")]
    public void Unprotect_FailsAuthentication_ForAnotherRowOrAnAlteredBody(string change)
    {
        var protector = BodyProtector.Create([_key]);
        var stored = protector.Protect("body"u8, _id, "claims");
        var (id, route) = change switch
        {
            "another id" => (Guid.CreateVersion7(), "claims"),
            "another route" => (_id, "audit"),
            _ => (_id, "claims"),
        };
        if (change == "a flipped byte")
        {
            stored[^1] ^= 1;
        }

        Assert.Null(protector.Unprotect(stored, id, route, out var error));
        Assert.Contains("failed authentication", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_WithTheKeyGone_NamesItsIdButNotTheKey()
    {
        var stored = BodyProtector.Create([_key]).Protect("body"u8, _id, "claims");

        Assert.Null(BodyProtector.None.Unprotect(stored, _id, "claims", out var error));
        Assert.Contains(BodyProtector.ComputeKeyId(Convert.FromBase64String(_key)), error, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, error, StringComparison.Ordinal);
    }
}
