using System.Security.Cryptography;
using Axitech.Gateway.Queue;

namespace Axitech.Gateway.Tests.Queue;

public sealed class DeliveryQueueOptionsValidatorTests
{
    private static readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Defaults_AreValid_AndAreTheDocumentedOnes()
    {
        var options = new DeliveryQueueOptions();

        Assert.Empty(DeliveryQueueOptionsValidator.GetProblems(options));
        Assert.Equal("data/queue.db", options.Path);
        Assert.Equal(4, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Lease);
        Assert.Equal(1024, options.MaxPendingAcceptances);
        Assert.Equal(TimeSpan.FromSeconds(10), options.AcceptTimeout);
        Assert.Equal(TimeSpan.FromDays(14), options.DeadRetention);
        Assert.Empty(options.EncryptionKeys);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Retry.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Retry.MaxDelay);
        Assert.Equal(25, options.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromDays(3), options.Retry.MaxAge);
    }

    [Fact]
    public void EveryProblem_IsListed_NamingItsKey_AndNoKeyValue()
    {
        var shortKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var options = new DeliveryQueueOptions
        {
            Path = " ",
            MaxConcurrency = 0,
            MaxPendingAcceptances = 0,
            AcceptTimeout = TimeSpan.Zero,
            Lease = TimeSpan.Zero,
            DeadRetention = TimeSpan.FromDays(-1),
            EncryptionKeys = [_key, "not base64!", shortKey, "", _key],
            Retry = new DeliveryRetryOptions { InitialDelay = TimeSpan.FromMinutes(10), MaxDelay = TimeSpan.FromMinutes(5), MaxAttempts = 0, MaxAge = TimeSpan.Zero },
        };

        var problems = DeliveryQueueOptionsValidator.GetProblems(options);

        Assert.Equal(
        [
            "Webhooks:Queue:Path is empty: set it to the SQLite file to keep deliveries in (the default is data/queue.db), or set ConnectionStrings:Postgres.",
            "Webhooks:Queue:MaxConcurrency is 0: set it to 1 or more (the default is 4).",
            "Webhooks:Queue:MaxPendingAcceptances is 0: set it to 1 or more (the default is 1024).",
            "Webhooks:Queue:AcceptTimeout is 00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 00:00:10).",
            "Webhooks:Queue:Lease is 00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 00:01:00).",
            "Webhooks:Queue:DeadRetention is -1.00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 14.00:00:00).",
            "Webhooks:Queue:Retry:MaxAge is 00:00:00: set it to a positive duration (d.hh:mm:ss; the default is 3.00:00:00).",
            "Webhooks:Queue:Retry:MaxDelay (00:05:00) is shorter than Webhooks:Queue:Retry:InitialDelay (00:10:00): raise MaxDelay or lower InitialDelay.",
            "Webhooks:Queue:Retry:MaxAttempts is 0: set it to 1 or more (the default is 25).",
            "Webhooks:Queue:EncryptionKeys:1 is not base64: set it to the base64 of 32 random bytes (openssl rand -base64 32).",
            "Webhooks:Queue:EncryptionKeys:2 decodes to 16 bytes, not 32: set it to the base64 of 32 random bytes (openssl rand -base64 32).",
            "Webhooks:Queue:EncryptionKeys:3 is empty: remove it, or set it to the base64 of 32 random bytes (openssl rand -base64 32).",
            "Webhooks:Queue:EncryptionKeys:4 is the same key as Webhooks:Queue:EncryptionKeys:0: remove one of them.",
        ], problems);
        Assert.All(problems, p => Assert.DoesNotContain(_key, p, StringComparison.Ordinal));
        Assert.All(problems, p => Assert.DoesNotContain(shortKey, p, StringComparison.Ordinal));
    }

    [Fact]
    public void WithPostgres_ThePathIsNotNeeded_ButTheConnectionStringMustParse_AndIsNeverQuoted()
    {
        var options = new DeliveryQueueOptions { Path = "" };

        Assert.Empty(DeliveryQueueOptionsValidator.GetProblems(options, "Host=db;Database=gateway;Username=gw;Password=s3cret"));
        var problem = Assert.Single(DeliveryQueueOptionsValidator.GetProblems(options, "Host=db;Password=s3cret;Bogus Keyword=1"));
        Assert.StartsWith("ConnectionStrings:Postgres is not a valid Npgsql connection string", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAcceptTimeoutOverFiveMinutes_IsRefused()
    {
        var problems = DeliveryQueueOptionsValidator.GetProblems(new DeliveryQueueOptions { AcceptTimeout = TimeSpan.FromMinutes(6) });

        Assert.Equal(["Webhooks:Queue:AcceptTimeout is 00:06:00: set it to at most 00:05:00 (the default is 00:00:10); a sender waits this long at most for its 202."], problems);
    }
}
