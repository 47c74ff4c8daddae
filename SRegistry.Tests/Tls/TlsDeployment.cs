using SRegistry.Tests.Browser;
using SRegistry.Tests.EndToEnd.Identity;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Tls;

/// <summary>
/// A site's deployment on loopback: nginx terminating TLS with a CA made by the test, the registry behind it over
/// plain http trusting only nginx's address (<c>Registry:TrustedProxies</c>), and the LDAP + OIDC bridge that knows the
/// registry by its https URL only. Shared by the tests of one class; the bridge only starts when its parts are installed.
/// </summary>
public sealed class TlsDeployment : IAsyncLifetime
{
    public TestCertificates Certificates { get; private set; } = null!;
    public TlsProxy Proxy { get; private set; } = null!;
    public RegistryServer Server { get; private set; } = null!;
    public IdentityBridge? Bridge { get; private set; }

    public static bool Available => TlsProxy.Available;

    public string BaseUrl => Proxy.BaseUrl;

    public async ValueTask InitializeAsync()
    {
        if (!Available)
        {
            return;
        }
        Certificates = await TestCertificates.CreateAsync();
        Proxy = new TlsProxy();
        Server = new RegistryServer().With("Registry:TrustedProxies:0", "127.0.0.1");
        if (IdentityBridge.Available && BrowserFixture.Available)
        {
            Bridge = await IdentityBridge.StartAsync(Proxy.BaseUrl);
            foreach (var (key, value) in Bridge.AppSettings())
            {
                Server.With(key, value);
            }
        }
        await Proxy.StartAsync(Certificates, Server.BaseUrl);
    }

    /// <summary>An HTTP client through nginx that trusts the test CA, connecting from the given loopback address.</summary>
    public HttpClient Client(string sourceAddress, string? token = null)
    {
        var client = new HttpClient(Certificates.TrustingHandler(System.Net.IPAddress.Parse(sourceAddress)), disposeHandler: true)
        {
            BaseAddress = new Uri(BaseUrl + "/"),
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Bridge is not null)
        {
            await Bridge.DisposeAsync();
        }
        Certificates?.Dispose();
    }
}
