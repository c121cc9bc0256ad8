namespace Axitech.Gateway.FunctionalTests.Infrastructure;

/// <summary>
/// An HttpClient that plays an outside sender: it takes no part in the test process's tracing. Any client in the
/// process is traced by the gateways' OpenTelemetry HttpClient instrumentation, which starts a trace of its own and
/// replaces a <c>traceparent</c> the test set; without an activity propagator the client has no diagnostics handler,
/// so the gateway sees exactly the headers the test wrote.
/// </summary>
public static class UntracedSender
{
    public static HttpClient Create(int port) => new(new SocketsHttpHandler { ActivityHeadersPropagator = null, UseCookies = false, AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };
}
