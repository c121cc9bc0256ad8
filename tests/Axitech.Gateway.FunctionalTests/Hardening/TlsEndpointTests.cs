using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Axitech.Gateway.FunctionalTests.Hardening;

public sealed class TlsEndpointTests
{
    [Fact]
    public async Task TlsEndpointConfiguredTheKestrelWay_NegotiatesHttp11AndHttp2OnOnePort()
    {
        // Kestrel's standard certificate keys (Kestrel:Endpoints:<name>:Certificate:Path/Password), no code: what a
        // deployment without an ingress sets. Any endpoint but Management carries webhooks.
        using var certificate = CreateSelfSigned();
        var directory = Directory.CreateTempSubdirectory("axgw-tls-").FullName;
        var path = Path.Combine(directory, "gateway.pfx");
        await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "test-password"));
        await using var gateway = await TestGateway.StartAsync(c =>
        {
            c["Kestrel:Endpoints:PublicTls:Url"] = "https://127.0.0.1:0";
            c["Kestrel:Endpoints:PublicTls:Certificate:Path"] = path;
            c["Kestrel:Endpoints:PublicTls:Certificate:Password"] = "test-password";
        });
        var tlsPort = gateway.Port("PublicTls");
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
            },
        });

        var versions = new List<Version>();
        var deliveries = new List<SignedRequest>();
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            var delivery = SignedRequest.Create(TestGateway.ClaimsPath + "/tls");
            using var request = delivery.ToHttpRequest(tlsPort);
            request.RequestUri = new Uri($"https://127.0.0.1:{tlsPort}{delivery.Target}");
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            versions.Add(response.Version);
            deliveries.Add(delivery);
        }

        Assert.Equal([HttpVersion.Version11, HttpVersion.Version20], versions);
        Assert.Equal(deliveries.Select(d => Convert.ToHexString(d.Body)), gateway.Upstream.Received.Select(r => Convert.ToHexString(r.Body)));
        Directory.Delete(directory, recursive: true);
    }

    private static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=axitech-gateway-test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
