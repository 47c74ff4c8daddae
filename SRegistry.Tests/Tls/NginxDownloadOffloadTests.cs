using System.Globalization;
using System.Net;
using SRegistry.Tests.EndToEnd.LibraryClient;
using SRegistry.Tests.Infrastructure;

namespace SRegistry.Tests.Tls;

/// <summary>
/// <c>Registry:Downloads:Offload=XAccelRedirect</c> behind real nginx: the registry checks the download URL and nginx
/// serves the blob file from its internal location, ranges included; a request that did not come through the proxy
/// still gets its bytes from the app.
/// </summary>
public sealed class NginxDownloadOffloadTests : IAsyncLifetime
{
    private readonly SifFiles sifs = new();
    private TestCertificates certificates = null!;
    private TlsProxy proxy = null!;
    private RegistryServer server = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(TlsProxy.Available, "nginx or openssl is not installed");
        Assert.SkipWhen(TestBackends.OnS3, "with S3 clients download from the bucket; offload applies to the folder store");
        certificates = await TestCertificates.CreateAsync();
        proxy = new TlsProxy();
        server = new RegistryServer()
            .With("Registry:TrustedProxies:0", "127.0.0.1")
            .With("Registry:Downloads:Offload", "XAccelRedirect");
        await proxy.StartAsync(certificates, server.BaseUrl, Path.Combine(server.DataPath, "blobs"));
    }

    [Fact]
    public async Task The_real_client_pulls_in_ranges_and_nginx_serves_every_range_from_the_blob_folder()
    {
        Assert.SkipUnless(LibraryClientDriver.Available && SifFiles.SiftoolAvailable, "the Go library client or siftool is missing");
        var token = await server.CreateTokenAsync("alice");
        var sif = await sifs.CreateAsync(18 * 1024 * 1024);
        var pushed = await LibraryClientDriver.RunTrustingAsync(certificates.CaPem, proxy.BaseUrl, token, "push", sif.Path, "alice/offload/tool", "-tags", "1.0");
        Assert.True(pushed.Succeeded, pushed.Stderr);

        var pulledPath = Path.Combine(sifs.Folder, "pulled.sif");
        var pulled = await LibraryClientDriver.RunTrustingAsync(certificates.CaPem, proxy.BaseUrl, token, "pull", "alice/offload/tool", "1.0", pulledPath,
            "-concurrency", "4", "-part-size", (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
        Assert.True(pulled.Succeeded, pulled.Stderr);

        Assert.Equal(sif.Hash, "sha256." + await SifFiles.Sha256Async(pulledPath));
        var hex = sif.Hash[7..];
        var ranges = (await proxy.AccessLogWithAsync(l => l.Contains("\"GET /_blobs/dl/", StringComparison.Ordinal))).Where(l => l.Contains("\"GET /_blobs/dl/", StringComparison.Ordinal) && l.Contains("\" 206 range=\"bytes=", StringComparison.Ordinal)).ToList();
        Assert.True(ranges.Count >= 5, string.Join('\n', proxy.AccessLog));
        // Every range was answered by nginx after the app's X-Accel-Redirect to this blob's file.
        Assert.All(ranges, l => Assert.Contains($"accel=\"/_blobfiles/sha256/{hex[..2]}/{hex}\"", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_download_url_that_does_not_verify_is_refused_before_nginx_serves_anything()
    {
        using var http = new HttpClient(certificates.TrustingHandler()) { BaseAddress = new Uri(proxy.BaseUrl + "/") };

        using var forged = await http.GetAsync("_blobs/dl/0123456789abcdef?t=forged");
        using var probe = await http.GetAsync("_blobfiles/sha256/");

        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.DoesNotContain(proxy.AccessLog, l => l.Contains("accel=\"/", StringComparison.Ordinal));
        // The internal location cannot be asked for from outside.
        Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode);
    }

    [Fact]
    public async Task A_client_that_reaches_the_app_directly_gets_the_bytes_from_the_app()
    {
        var token = await server.CreateTokenAsync("alice");
        var sif = await sifs.CreateAsync(3 * 1024 * 1024);
        await new LibraryProtocol(server.Client(token)).PushAsync("alice/direct/tool", sif, tags: "1.0");
        using var direct = new HttpClient { BaseAddress = new Uri(server.BaseUrl + "/") };
        using var redirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl + "/") };

        using var located = await redirect.GetAsync("v1/imagefile/alice/direct/tool:1.0");
        Assert.Equal(HttpStatusCode.RedirectMethod, located.StatusCode);
        var bytes = await direct.GetByteArrayAsync(located.Headers.Location);

        Assert.Equal(sif.Size, bytes.Length);
        Assert.Equal(sif.Hash, "sha256." + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    public async ValueTask DisposeAsync()
    {
        if (proxy is not null)
        {
            await proxy.DisposeAsync();
        }
        if (server is not null)
        {
            await server.DisposeAsync();
        }
        certificates?.Dispose();
        sifs.Dispose();
    }
}
