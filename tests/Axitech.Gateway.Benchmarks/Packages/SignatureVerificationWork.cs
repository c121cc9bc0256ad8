using Axitech.Webhooks;
using Axitech.Webhooks.AspNetCore;
using Microsoft.AspNetCore.Http.Features;

namespace Axitech.Gateway.Benchmarks.Packages;

/// <summary>
/// The CPU cost of <c>RequireAxitechSignature</c>'s work alone, without a socket: a handler reading a request body
/// (the baseline) against the package's verification of that request followed by the same handler reading the
/// replaced body. Timed by <see cref="PackageFiltersCheck"/>, interleaved, like the loopback pairs.
/// </summary>
internal sealed class SignatureVerificationWork
{
    private const string Secret = "wh_sec_benchmark_only_not_a_real_secret";
    private const string Target = "/webhooks/claims?source=widget";

    private byte[] _body = [];
    private string _timestamp = string.Empty;
    private string _signature = string.Empty;
    private SignatureVerification _verification = null!;

    public int BodyBytes { get; init; }

    public void Setup()
    {
        _body = new byte[BodyBytes];
        new Random(42).NextBytes(_body);
        _timestamp = WebhookTimestamp.FormatUnixSeconds(TimeProvider.System.GetUtcNow());
        _signature = AxitechSignature.Sign(Secret, "POST", Target, _timestamp, _body);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:Policies:axitech:Secrets:0"] = Secret }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddAxitechWebhooks().BuildServiceProvider();
        _verification = services.GetRequiredService<SignatureVerification>();
    }

    public async Task<long> ReadBodyOnly()
    {
        var context = Request();
        return await ReadAsync(context).ConfigureAwait(false);
    }

    public async Task<long> VerifyThenReadBody()
    {
        var context = Request();
        if (await _verification.VerifyAsync(context, "axitech").ConfigureAwait(false) is not null)
        {
            throw new InvalidOperationException("The benchmark's request did not verify.");
        }

        var read = await ReadAsync(context).ConfigureAwait(false);
        await ((CompletingResponse)context.Features.Get<IHttpResponseFeature>()!).CompleteAsync().ConfigureAwait(false);
        return read;
    }

    private DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new CompletingResponse());
        var request = context.Request;
        request.Method = "POST";
        request.ContentLength = _body.Length;
        request.Body = new MemoryStream(_body, writable: false);
        request.Headers[AxitechSignature.SignatureHeaderName] = _signature;
        request.Headers[AxitechSignature.TimestampHeaderName] = _timestamp;
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = Target;
        return context;
    }

    private static async Task<long> ReadAsync(HttpContext context)
    {
        var buffer = new byte[4096];
        long total = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>Runs what was registered for the end of the response (the package returns its pooled buffer there), as a server does.</summary>
    private sealed class CompletingResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state).ConfigureAwait(false);
            }
        }
    }
}
